/**
 * PartitionCache: per instance, the last known state (version and calls) of the partitions it
 * decided on. Two uses:
 * - a flood from one caller is denied without a round trip: the cached calls still fill a
 *   window (decided again at every lookup, at the current time);
 * - an admission goes straight to the compare-and-set with the cached version, skipping the read.
 *
 * Why a cached state can be trusted: every change of a partition's calls moves its version
 * (append, remove, reset), so a compare-and-set on the cached version lands only if nothing
 * changed. Calls otherwise leave only by expiring, which decide() accounts for, or by an
 * operator's reset, which clears the entry on every instance (jobs/poll-resets.ts). So the cache
 * denies only what Cassandra would deny. An entry is dropped once its newest call is older than
 * the rule's longest window: after that the partition may expire by TTL and its version start
 * again from 0, and an entry that outlived it could be mistaken for its successor.
 * Bounded: the least recently used entry goes first, with recency kept to half the bound
 * (lru-map.ts).
 */
import type { Rule } from '../rules/rule.js';
import { partitionId, type LogState, type PartitionKey } from './call-log.js';
import { readPlan } from './decide.js';
import { LruMap } from './lru-map.js';

export const DEFAULT_PARTITION_CACHE_ENTRIES = 100_000;

interface Entry {
  state: LogState;
  validUntilMs: number;
}

export class PartitionCache {
  private readonly entries: LruMap<Entry>;
  private hitCount = 0;
  private missCount = 0;

  constructor(maxEntries = DEFAULT_PARTITION_CACHE_ENTRIES) {
    this.entries = new LruMap(maxEntries);
  }

  get(partition: PartitionKey, nowMs: number): LogState | undefined {
    const id = partitionId(partition);
    const entry = this.entries.get(id);
    if (!entry) return this.missed();
    if (nowMs >= entry.validUntilMs) {
      this.entries.delete(id);
      return this.missed();
    }
    this.hitCount++;
    return entry.state;
  }

  set(rule: Rule, partition: PartitionKey, state: LogState): void {
    const id = partitionId(partition);
    const newest = state.callsMs[0];
    if (newest === undefined) {
      this.entries.delete(id);
      return;
    }
    // A bound of 0 remembers nothing: LruMap.set ignores the entry.
    this.entries.set(id, { state, validUntilMs: newest + readPlan(rule.limits).windowMs });
  }

  forget(partition: PartitionKey): void {
    this.entries.delete(partitionId(partition));
  }

  get size(): number {
    return this.entries.size;
  }

  /** Lookups that found a live entry since start (read by the metrics at scrape time). */
  get hits(): number {
    return this.hitCount;
  }

  /** Lookups that found none, or only an expired one. */
  get misses(): number {
    return this.missCount;
  }

  private missed(): undefined {
    this.missCount++;
    return undefined;
  }
}
