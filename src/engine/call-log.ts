/**
 * The store interface the sliding-window limiter needs, owned here by its consumer (as in Envoy's
 * ratelimit). A partition is one caller under one rule: the design notes' calls table
 * (caller, api, time), with the rule id as `api`. Implementations: store/memory and
 * store/cassandra; both pass test/contract/call-log.contract.ts.
 *
 * The guard against the read-then-write race is a version per partition: `append` is a
 * compare-and-set that only writes if nobody appended since the version was read.
 */
export interface PartitionKey {
  /** The normalised key value (phone, email, ...). */
  caller: string;
  /** The rule id. */
  api: string;
}

export interface LogState {
  /** Partition version; 0 when the partition has never been written or has fully expired. */
  version: number;
  /** Times (epoch ms) of the newest admitted calls, newest first; at most `limit`, none older than `sinceMs`. */
  callsMs: number[];
}

export type AppendResult = { applied: true; callId: string } | { applied: false };
export type AppendManyResult = { applied: true; callIds: string[] } | { applied: false };

export interface StoreCallOptions {
  /** Give up on the store after this long (the decision deadline that remains). */
  timeoutMs: number;
}

export interface CallLog {
  /** The partition's version and its newest calls after `sinceMs` (exclusive), at most `limit`. */
  read(partition: PartitionKey, sinceMs: number, limit: number, options: StoreCallOptions): Promise<LogState>;
  /**
   * Records one admitted call at `atMs`, kept for `ttlSeconds`, if and only if the partition is
   * still at `expectedVersion`; the version then becomes expectedVersion + 1.
   */
  append(partition: PartitionKey, expectedVersion: number, atMs: number, ttlSeconds: number, options: StoreCallOptions): Promise<AppendResult>;
  /**
   * Records several admitted calls (at least one) with one compare-and-set: all land or none,
   * and the version moves on by one. Lets a queue of decisions on one hot partition cost one
   * round instead of one each (engine/admit-group.ts). Call ids in the order of `atMs`.
   */
  appendMany(partition: PartitionKey, expectedVersion: number, atMs: readonly number[], ttlSeconds: number, options: StoreCallOptions): Promise<AppendManyResult>;
  /**
   * Takes back a call appended by a decision that another rule then denied. Moves the version on,
   * like every change of content, so that a version always names one set of calls (instances
   * cache partitions by version: engine/partition-cache.ts).
   */
  remove(partition: PartitionKey, callId: string, ttlSeconds: number, options: StoreCallOptions): Promise<void>;
  /**
   * An operator's reset: calls at or before `atMs` stop counting, and the version moves on so
   * that decisions in flight read again. Kept for `ttlSeconds` (the rule's row TTL).
   */
  reset(partition: PartitionKey, atMs: number, ttlSeconds: number, options: StoreCallOptions): Promise<void>;
}

/** A stable string for a partition, for maps and locks. */
export function partitionId(partition: PartitionKey): string {
  return `${partition.api}\u0000${partition.caller}`;
}

/**
 * The log each instance keeps for its local fallback (store/memory). Read and written
 * synchronously as well: a fallback decision reads and records in one step, and a store decision
 * counts what the fallback admitted, with nothing able to run in between (engine/throttle.ts).
 * Its calls are the fallback's admissions not yet handed to the store (jobs/write-back-fallback.ts).
 */
export interface LocalCallLog extends CallLog {
  readNow(partition: PartitionKey, sinceMs: number, limit: number): LogState;
  /** Records a call whatever the version; returns its id. */
  appendNow(partition: PartitionKey, atMs: number, ttlSeconds: number): string;
  removeNow(partition: PartitionKey, callId: string): void;
}
