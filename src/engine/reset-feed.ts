/**
 * How an operator's reset reaches every instance: the instance that resets publishes the
 * partition; every instance polls (jobs/poll-resets.ts) and drops what it caches for it.
 * Implementations: store/memory (one process) and store/cassandra (the limit_resets table).
 */
import type { PartitionKey } from './call-log.js';

export interface ResetFeed {
  publish(partition: PartitionKey, atMs: number): Promise<void>;
  /** Resets published since the last call on this feed object (each instance has its own). */
  poll(nowMs: number): Promise<PartitionKey[]>;
}
