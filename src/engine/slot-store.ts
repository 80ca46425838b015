/**
 * The store the concurrent limiter needs (FreeSWITCH's "how many at once"), owned here by its
 * consumer. A slot is held by a lease: one id (the resource's sid, e.g. a call or a participant)
 * under which a request takes a slot in each partition its concurrent rules name. A slot is given
 * back when its lease is released (the call ends, the participant leaves) or expires (its TTL: an
 * instance that dies holding slots gives them back within the lease). Implementations:
 * store/memory and store/cassandra, one contract suite (test/contract/slot-store.contract.ts).
 *
 * Exactness: acquire is a compare-and-set on a version per partition, so of any number of
 * concurrent acquires across instances at most `max` hold slots at once.
 */
import type { PartitionKey, StoreCallOptions } from './call-log.js';

/**
 * `held`: live slots in the partition after the call (this lease's included when acquired).
 * `freesAtMs` (a refusal): when the earliest live slot expires by itself, release or not.
 */
export type AcquireResult = { acquired: true; held: number } | { acquired: false; held: number; freesAtMs: number };

export interface SlotStore {
  /**
   * Takes a slot in `partition` for `leaseId` if fewer than `max` live slots are held there; the
   * slot lives `leaseMs` unless released. Taking a slot the lease already holds is a success.
   */
  acquire(partition: PartitionKey, leaseId: string, max: number, leaseMs: number, nowMs: number, options: StoreCallOptions): Promise<AcquireResult>;
  /**
   * Gives back every slot the lease holds (none: nothing happens); answers the partitions it gave
   * a slot back in, so that what this instance knew full there is forgotten (limiters/known-full.ts).
   */
  release(leaseId: string, options: StoreCallOptions): Promise<PartitionKey[]>;
  /** Live slots in a partition (for admin views and tests). */
  held(partition: PartitionKey, nowMs: number, options: StoreCallOptions): Promise<number>;
}
