/**
 * The store the fast fixed-window limiter needs (limiters/fast-limiter.ts), owned here by its
 * consumer. Each instance counts in memory and, every sync interval, publishes its own count per
 * (partition, window) and reads the sum of the other instances' counts for the windows it is
 * deciding in.
 *
 * Counts are absolute values, one row per instance: publishing the same count twice (a retried
 * write) changes nothing, and a row expires by itself with its window. No counter columns: those
 * are not idempotent on retry and take no TTL (architecture.md, habit 10).
 * Implementations: store/memory and store/cassandra, one contract suite
 * (test/contract/fast-count-store.contract.ts).
 */
import type { PartitionKey, StoreCallOptions } from './call-log.js';

/**
 * One window of one partition. `windowMs` is part of the key: a per-second and a per-minute window
 * of one rule can start at the same millisecond (every minute boundary is a second boundary).
 */
export interface FastCountKey {
  partition: PartitionKey;
  windowMs: number;
  /** Epoch ms, a multiple of windowMs (fixed-window.ts windowStart). */
  windowStart: number;
}

/** What one instance has admitted in one window. */
export interface FastCount extends FastCountKey {
  count: number;
}

export interface FastCountStore {
  /**
   * Writes `instanceId`'s count for each window, replacing what it wrote there before. A row
   * lives for its window plus a margin (60 s by default), so nothing needs pruning.
   */
  publish(instanceId: string, counts: readonly FastCount[], options: StoreCallOptions): Promise<void>;
  /**
   * For each key, in order, the sum of the counts every instance but `instanceId` published for
   * that window (0 when none did).
   */
  readOthers(instanceId: string, keys: readonly FastCountKey[], options: StoreCallOptions): Promise<number[]>;
}

/** Rows outlive their window by this much: a late reader (clock skew, a slow sync) still finds them. */
export const FAST_COUNT_TTL_MARGIN_SECONDS = 60;

/** Seconds a window's rows live: the window, rounded up, plus the margin. */
export function fastCountTtlSeconds(windowMs: number, marginSeconds = FAST_COUNT_TTL_MARGIN_SECONDS): number {
  return Math.ceil(windowMs / 1000) + marginSeconds;
}

/** A stable string for a window of a partition, for maps. */
export function fastCountKeyId(key: FastCountKey): string {
  return `${key.partition.api}\u0000${key.partition.caller}\u0000${key.windowMs}\u0000${key.windowStart}`;
}
