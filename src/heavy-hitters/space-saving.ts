/**
 * Space-saving (Metwally, Agrawal and El Abbadi, "Efficient computation of frequent and top-k
 * elements in data streams", ICDT 2005): the most frequent callers of a stream in a fixed number
 * of counters. A caller already counted is incremented; a new one takes a free counter, or else
 * the smallest counter, inheriting its count as its possible over-count (`error`).
 *
 * Guarantees, for a stream of N events and m counters: every counted caller's true count lies in
 * [count - error, count]; a caller not counted has occurred at most `floor` times (the smallest
 * count once a counter has been taken over, 0 before); and floor <= N / m. So any caller with more than
 * N / m events is always counted.
 *
 * The smallest counter is found through a binary min-heap with a position index: O(log m) per
 * event, no allocation for a caller already counted. Pure: no clock, no I/O.
 */

/** One counter: a caller (partition key), its estimated count and how much of it may be over-count. */
export interface Counter {
  caller: string;
  count: number;
  error: number;
  /** The normalised key, only when TOP_K_SHOW_KEYS is on. */
  key?: string;
}

export class SpaceSaving {
  /** Min-heap by count: heap[0] is the counter a newcomer takes over. */
  private readonly heap: Counter[] = [];
  /** caller -> its position in the heap. */
  private readonly index = new Map<string, number>();
  private events = 0;
  /** Whether a caller was ever dropped: until then, a caller not counted has not occurred. */
  private evicted = false;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`space-saving capacity must be a whole number >= 1, not ${capacity}`);
  }

  /** Counts `weight` events of a caller. */
  offer(caller: string, weight = 1, key?: string): void {
    this.events += weight;
    const at = this.index.get(caller);
    if (at !== undefined) {
      const counter = this.heap[at]!;
      counter.count += weight;
      if (key !== undefined) counter.key = key;
      this.siftDown(at);
      return;
    }
    if (this.heap.length < this.capacity) {
      this.heap.push(counterOf(caller, weight, 0, key));
      this.index.set(caller, this.heap.length - 1);
      this.siftUp(this.heap.length - 1);
      return;
    }
    const evicted = this.heap[0]!;
    this.evicted = true;
    this.index.delete(evicted.caller);
    this.heap[0] = counterOf(caller, evicted.count + weight, evicted.count, key);
    this.index.set(caller, 0);
    this.siftDown(0);
  }

  /** Events counted so far (N). */
  get total(): number {
    return this.events;
  }

  /** Counters in use. */
  get size(): number {
    return this.heap.length;
  }

  /**
   * The most a caller that is not counted can have occurred: 0 until a counter was taken over,
   * then the smallest count (a dropped caller had at most the smallest count when it was dropped,
   * and the smallest count never decreases).
   */
  get floor(): number {
    return this.evicted ? this.heap[0]!.count : 0;
  }

  /** The count estimate of one caller (its counter, or `floor` as an upper bound when not counted). */
  estimate(caller: string): Counter {
    const at = this.index.get(caller);
    if (at !== undefined) return { ...this.heap[at]! };
    return { caller, count: this.floor, error: this.floor };
  }

  /** Copies of the counters, largest count first (ties: smaller error first, then caller). */
  counters(): Counter[] {
    return this.heap.map((c) => ({ ...c })).sort(byEstimate);
  }

  private siftUp(at: number): void {
    const heap = this.heap;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (heap[parent]!.count <= heap[at]!.count) return;
      this.swap(at, parent);
      at = parent;
    }
  }

  private siftDown(at: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let smallest = at;
      if (left < heap.length && heap[left]!.count < heap[smallest]!.count) smallest = left;
      if (right < heap.length && heap[right]!.count < heap[smallest]!.count) smallest = right;
      if (smallest === at) return;
      this.swap(at, smallest);
      at = smallest;
    }
  }

  private swap(a: number, b: number): void {
    const heap = this.heap;
    const counter = heap[a]!;
    heap[a] = heap[b]!;
    heap[b] = counter;
    this.index.set(heap[a]!.caller, a);
    this.index.set(heap[b]!.caller, b);
  }
}

function counterOf(caller: string, count: number, error: number, key: string | undefined): Counter {
  return key === undefined ? { caller, count, error } : { caller, count, error, key };
}

/** Largest count first; among equal counts the better-bounded one (smaller error), then by caller. */
export function byEstimate(a: Counter, b: Counter): number {
  return b.count - a.count || a.error - b.error || (a.caller < b.caller ? -1 : a.caller > b.caller ? 1 : 0);
}
