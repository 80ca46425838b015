/**
 * BoundedMemo: at most `maxEntries` remembered answers, the oldest first out (phone.ts's and email.ts's
 * normalised keys, key-hasher.ts's HMACs, the slot limiters' known-full partitions, the rate-limit
 * document cache, the unsettled appends, the accounts' verified tokens). "Oldest" is the order of
 * first set: to renew an entry, delete it and set it.
 *
 * The oldest key comes from one iterator kept across evictions. A fresh `keys()` iterator starts
 * at the front of the Map, where V8 leaves the slots of deleted entries until it rehashes the
 * table, and walks all of them: with a full memo every new key paid for that, about 4 µs at
 * 10,000 entries and 25 µs at 100,000 (node 20). A live iterator skips what was deleted after it
 * passed and sees what was added since, so it walks each slot once.
 */
export class BoundedMemo<K, V> {
  private readonly entries = new Map<K, V>();
  private readonly order: OldestKeys<K>;

  constructor(readonly maxEntries: number) {
    this.order = new OldestKeys(this.entries, refreshAfterChanges(maxEntries));
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): void {
    if (this.maxEntries <= 0) return;
    if (!this.entries.has(key) && this.entries.size >= this.maxEntries) this.entries.delete(this.order.next());
    this.entries.set(key, value);
    this.order.changed();
  }

  delete(key: K): boolean {
    this.order.changed();
    return this.entries.delete(key);
  }

  /** The answer remembered for `key`, else `compute()`'s, remembered and answered. */
  remember(key: K, compute: () => V): V {
    const known = this.entries.get(key);
    if (known !== undefined) return known;
    const value = compute();
    this.set(key, value);
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * The keys of a Map oldest first, across deletions and additions (BoundedMemo, engine/lru-map.ts):
 * one live iterator, which skips what was deleted after it passed and sees what was added since.
 *
 * A live iterator also pins every backing table the Map has outgrown or compacted since the
 * iterator last moved (V8 keeps them so that it can catch up), with the values they held: a memo
 * below its bound, or one whose entries are renewed without evictions, never moves it, and
 * retained every value it had ever held (about 100 MB after 200,000 renewals of 1,000 entries of
 * 1 KB, against 3 MB without the iterator). So the iterator is dropped once the Map has changed
 * `refreshAfter` times since it last moved, and the next eviction starts a fresh one: one walk over
 * the front's deleted slots per `refreshAfter` changes at most.
 */
export class OldestKeys<K> {
  private order: Iterator<K> | undefined;
  private changes = 0;

  constructor(
    private readonly entries: Map<K, unknown>,
    private readonly refreshAfter: number,
  ) {}

  /** To be told of every set and delete on the Map. */
  changed(): void {
    if (++this.changes >= this.refreshAfter) {
      this.order = undefined;
      this.changes = 0;
    }
  }

  /** The oldest key; only for a Map that is not empty. */
  next(): K {
    this.order ??= this.entries.keys();
    let next = this.order.next();
    // Done once it has passed the last key: later keys need a new iterator (from the front, which is then the oldest).
    if (next.done) {
      this.order = this.entries.keys();
      next = this.order.next();
    }
    // It has moved, onto the Map's current table: the ones it pinned are released.
    this.changes = 0;
    return next.value as K;
  }
}

/** How many changes OldestKeys lets pass before it drops its iterator, for a Map of at most `maxEntries`. */
export function refreshAfterChanges(maxEntries: number): number {
  return Math.max(1_024, Math.floor(maxEntries / 4));
}
