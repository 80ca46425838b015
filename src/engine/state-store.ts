/**
 * The store the state-based limiters need (token buckets, hierarchical buckets, packet counters):
 * one small versioned state per partition, written by compare-and-set. A limiter reads the state,
 * decides with a pure function, and writes the new state only if nobody wrote since its read
 * (the version it read); a lost write is read and decided again. The sliding window keeps its own
 * log (engine/call-log.ts), which is the same idea with one row per call.
 * Implementations: store/memory and store/cassandra, one contract suite
 * (test/contract/state-store.contract.ts).
 */
import type { PartitionKey, StoreCallOptions } from './call-log.js';

export interface VersionedState {
  /** 0 when the partition was never written or has expired whole. */
  version: number;
  /** The limiter's state as it wrote it (JSON text, small); undefined at version 0. */
  state: string | undefined;
}

export interface StateStore {
  read(partition: PartitionKey, options: StoreCallOptions): Promise<VersionedState>;
  /**
   * Writes `state` iff the partition is still at `expectedVersion`; the version then becomes
   * expectedVersion + 1 and the row lives `ttlSeconds` (rewritten on every write). Answers
   * whether it was written. Version 0 means "only if nothing is there".
   */
  write(partition: PartitionKey, expectedVersion: number, state: string, ttlSeconds: number, options: StoreCallOptions): Promise<boolean>;
}
