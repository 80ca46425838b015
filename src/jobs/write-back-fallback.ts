/**
 * The job form of engine/write-back.ts: hands what the local fallback admitted during an outage
 * to Cassandra once it answers again. Quiet when there is nothing to hand over.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { CallLog } from '../engine/call-log.js';
import { writeBack, type PendingCalls } from '../engine/write-back.js';

export async function writeBackFallback(local: PendingCalls, store: CallLog, clock: Clock, logger: Logger): Promise<void> {
  if (local.pending().length === 0) return;
  const { written, left } = await writeBack(local, store, clock(), 2_000);
  logger.info({ written, left }, 'calls admitted by the local fallback written back to the store');
}
