/**
 * Drops expired partitions from in-memory call logs (the embedded store and the local fallback),
 * which have no TTL machinery of their own to free memory for callers that never come back.
 */
import type { Logger } from 'pino';
import type { MemoryCallLog } from '../store/memory/memory-call-log.js';

export async function pruneMemoryLogs(logs: readonly MemoryCallLog[], logger: Logger): Promise<void> {
  let removed = 0;
  for (const log of logs) removed += log.prune();
  if (removed > 0) logger.debug({ removed }, 'pruned expired in-memory partitions');
}
