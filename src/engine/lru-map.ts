/**
 * LruMap: at most `maxEntries` entries by string id, the least recently used first out, for the
 * per-instance caches of partition states (partition-cache.ts, limiters/state-cache.ts).
 *
 * A JavaScript Map is the LRU list, and two of its habits cost tens of µs per call once it holds
 * many entries (measured at 100,000): a hot entry deleted and set again on every hit, and the
 * oldest entry looked up with a fresh keys() iterator, which walks every deleted slot V8 leaves at
 * the front until it rehashes. So recency is kept to half the bound: a hit moves its entry to the
 * young end only once the entry is in the older half (every entry used since the last
 * maxEntries / 2 sets is then still kept, and a flood's partition is not moved on every hit), and
 * a live iterator, which skips what was deleted after it passed, finds the oldest (OldestKeys,
 * which also keeps it from pinning the Map's old tables).
 */
import { OldestKeys, refreshAfterChanges } from '../keys/bounded-memo.js';

interface Slot<V> {
  value: V;
  /** When it was last put at the young end, counted in puts. */
  seq: number;
}

export class LruMap<V> {
  private readonly entries = new Map<string, Slot<V>>();
  private readonly order: OldestKeys<string>;
  private seq = 0;

  constructor(readonly maxEntries: number) {
    this.order = new OldestKeys(this.entries, refreshAfterChanges(maxEntries));
  }

  /** The value, counted as a use. */
  get(id: string): V | undefined {
    const slot = this.entries.get(id);
    if (slot === undefined) return undefined;
    if (this.seq - slot.seq >= this.maxEntries / 2) this.putLast(id, slot);
    return slot.value;
  }

  /** Sets the value as the most recently used; the least recently used goes if the map is full. 0 entries: remembers nothing. */
  set(id: string, value: V): void {
    if (this.maxEntries <= 0) return;
    this.putLast(id, { value, seq: 0 });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.order.next());
  }

  delete(id: string): boolean {
    this.order.changed();
    return this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }

  private putLast(id: string, slot: Slot<V>): void {
    this.entries.delete(id);
    slot.seq = ++this.seq;
    this.entries.set(id, slot);
    this.order.changed();
  }
}
