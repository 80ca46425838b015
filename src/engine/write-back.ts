/**
 * writeBack: after an outage, copies the calls the local fallback admitted into the shared store,
 * so that nothing admitted while Cassandra was away is forgotten once it returns (the caller's
 * next decisions, on any instance, count them). Each call is appended with the same
 * compare-and-set as a decision, keeping the time it was admitted and the TTL it has left; a call
 * is dropped from the local log only once the store has it. A failure stops the run; the next
 * run (jobs/schedule-jobs.ts) carries on.
 */
import type { CallLog, PartitionKey } from './call-log.js';

export interface PendingCall {
  partition: PartitionKey;
  callId: string;
  atMs: number;
  expiresAtMs: number;
}

/** A log whose calls can be listed and handed over: the in-memory fallback. */
export interface PendingCalls {
  pending(): PendingCall[];
  remove(partition: PartitionKey, callId: string): Promise<void>;
}

export interface WriteBackResult {
  written: number;
  left: number;
}

const MAX_ATTEMPTS = 10;

export async function writeBack(source: PendingCalls, store: CallLog, nowMs: number, timeoutMs: number): Promise<WriteBackResult> {
  const calls = source.pending().filter((call) => call.expiresAtMs > nowMs);
  let written = 0;
  for (const call of calls) {
    const ttlSeconds = Math.ceil((call.expiresAtMs - nowMs) / 1000);
    for (let attempt = 1; ; attempt++) {
      const { version } = await store.read(call.partition, nowMs, 1, { timeoutMs });
      const result = await store.append(call.partition, version, call.atMs, ttlSeconds, { timeoutMs });
      if (result.applied) break;
      if (attempt === MAX_ATTEMPTS) throw new Error(`write-back of ${call.partition.api} kept conflicting; will retry`);
    }
    await source.remove(call.partition, call.callId);
    written++;
  }
  return { written, left: calls.length - written };
}
