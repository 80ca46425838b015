/**
 * What the prune job (jobs/prune-calls.ts) needs of the call log, owned here by its consumer.
 * Rows are found through a registry of partitions per rule and day, written on the decision path
 * once per partition per day (store/cassandra), never by scanning the calls table; and a record
 * per rule of the longest window the last prune saw, moved by compare-and-set so that of two
 * instances pruning at once only one works on a rule.
 */
import type { PartitionKey } from './call-log.js';

/** What the last prune saw of a rule: its longest window. */
export interface PruneRecord {
  api: string;
  windowMs: number;
}

export interface CallLogMaintenance {
  /** Callers of the partitions of `api` written since `sinceMs`. */
  callers(api: string, sinceMs: number, nowMs: number): AsyncIterable<string>;
  /** Calls of a partition at or before `beforeMs` (all when undefined). */
  countCalls(partition: PartitionKey, beforeMs?: number): Promise<number>;
  /** Removes the calls of a partition at or before `beforeMs`, or the whole partition when undefined. */
  removeCalls(partition: PartitionKey, beforeMs?: number): Promise<void>;
  /** Forgets the registry of a rule that no longer exists. */
  forgetRule(api: string, sinceMs: number, nowMs: number): Promise<void>;
  records(): Promise<PruneRecord[]>;
  /** Moves a rule's record from `expected` to `next` (undefined: absent); true if this caller won. */
  claim(api: string, expected: number | undefined, next: number | undefined): Promise<boolean>;
}

/** Registry entries live this much longer than the rows they point to (they are written once a day). */
export const REGISTRY_SLACK_MS = 86_400_000;
