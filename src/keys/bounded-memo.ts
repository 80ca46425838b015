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
  private readonly order = new OldestKeys(this.entries);

  constructor(readonly maxEntries: number) {}

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): void {
    if (this.maxEntries <= 0) return;
    if (!this.entries.has(key) && this.entries.size >= this.maxEntries) this.entries.delete(this.order.next());
    this.entries.set(key, value);
  }

  delete(key: K): boolean {
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
 */
export class OldestKeys<K> {
  private order: Iterator<K>;

  constructor(private readonly entries: Map<K, unknown>) {
    this.order = entries.keys();
  }

  /** The oldest key; only for a Map that is not empty. */
  next(): K {
    let next = this.order.next();
    // Done once it has passed the last key: later keys need a new iterator (from the front, which is then the oldest).
    if (next.done) {
      this.order = this.entries.keys();
      next = this.order.next();
    }
    return next.value as K;
  }
}
