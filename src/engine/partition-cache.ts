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
 * Bounded: the least recently used entry goes first, with recency kept to half the bound (see
 * get). A JavaScript Map is the LRU list, and two of its habits cost tens of µs per call once it
 * holds many entries (measured at 100,000, the default bound): a hot entry deleted and set again
 * on every hit, and the oldest entry looked up with a fresh keys() iterator, which walks every
 * deleted slot V8 leaves at the front until it rehashes. So a hit moves its entry only once the
 * entry is in the older half, and one iterator is kept for evictions.
 */
import type { Rule } from '../rules/rule.js';
import { partitionId, type LogState, type PartitionKey } from './call-log.js';
import { readPlan } from './decide.js';

export const DEFAULT_PARTITION_CACHE_ENTRIES = 100_000;

interface Entry {
  state: LogState;
  validUntilMs: number;
  /** When it was last put at the back, counted in puts. */
  seq: number;
}

export class PartitionCache {
  private readonly entries = new Map<string, Entry>();
  /** Walks the entries oldest first for evictions; a live Map iterator skips what was deleted since. */
  private order: Iterator<string> = this.entries.keys();
  private seq = 0;
  private hitCount = 0;
  private missCount = 0;

  constructor(private readonly maxEntries = DEFAULT_PARTITION_CACHE_ENTRIES) {}

  get(partition: PartitionKey, nowMs: number): LogState | undefined {
    const id = partitionId(partition);
    const entry = this.entries.get(id);
    if (!entry) return this.missed();
    if (nowMs >= entry.validUntilMs) {
      this.entries.delete(id);
      return this.missed();
    }
    // Most recently used goes last, once it is in the older half: every entry used since the
    // last maxEntries / 2 puts is then still kept, and a flood's partition is not moved on every hit.
    if (this.seq - entry.seq >= this.maxEntries / 2) this.putLast(id, entry);
    this.hitCount++;
    return entry.state;
  }

  set(rule: Rule, partition: PartitionKey, state: LogState): void {
    const id = partitionId(partition);
    const newest = state.callsMs[0];
    if (this.maxEntries === 0 || newest === undefined) {
      this.entries.delete(id);
      return;
    }
    this.putLast(id, { state, validUntilMs: newest + readPlan(rule.limits).windowMs, seq: 0 });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.oldest());
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

  private putLast(id: string, entry: Entry): void {
    this.entries.delete(id);
    entry.seq = ++this.seq;
    this.entries.set(id, entry);
  }

  private oldest(): string {
    let next = this.order.next();
    if (next.done) {
      this.order = this.entries.keys();
      next = this.order.next();
    }
    return next.value as string;
  }

  private missed(): undefined {
    this.missCount++;
    return undefined;
  }
}
