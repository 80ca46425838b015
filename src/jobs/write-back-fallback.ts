/**
 * The job form of engine/write-back.ts: hands what the local fallback admitted during an outage
 * to Cassandra once it answers again. Quiet when there is nothing to hand over. Returns what it
 * handed over (nothing: 0 written, 0 left), for the metrics.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { CallLog } from '../engine/call-log.js';
import { writeBack, type PendingCalls, type WriteBackResult } from '../engine/write-back.js';

export async function writeBackFallback(local: PendingCalls, store: CallLog, clock: Clock, logger: Logger): Promise<WriteBackResult> {
  if (local.pending().length === 0) return { written: 0, left: 0 };
  const result = await writeBack(local, store, clock(), 2_000);
  logger.info(result, 'calls admitted by the local fallback written back to the store');
  return result;
}
