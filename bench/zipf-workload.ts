/**
 * A seeded Zipf workload for the top-K accuracy bench and its unit test: `events` draws over
 * `keys` callers where the caller of rank r is drawn with probability proportional to 1 / r^s,
 * from a small seeded generator, so the same arguments always give the same stream.
 */

export interface ZipfOptions {
  events: number;
  keys: number;
  /** The Zipf exponent (1.1: a few callers dominate, with a long tail). */
  s: number;
  seed: number;
}

export interface ZipfWorkload {
  /** The caller index of each event (0 is the most frequent rank). */
  stream: Uint32Array;
  /** Exact events per caller index. */
  counts: Uint32Array;
}

/** mulberry32: a tiny, well-mixed 32-bit generator; uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function zipfWorkload(options: ZipfOptions): ZipfWorkload {
  const { events, keys, s, seed } = options;
  // Inverse CDF: cumulative weights, then a binary search per draw.
  const cumulative = new Float64Array(keys);
  let sum = 0;
  for (let r = 0; r < keys; r++) {
    sum += 1 / Math.pow(r + 1, s);
    cumulative[r] = sum;
  }
  const random = seededRandom(seed);
  const stream = new Uint32Array(events);
  const counts = new Uint32Array(keys);
  for (let i = 0; i < events; i++) {
    const target = random() * sum;
    let lo = 0;
    let hi = keys - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    stream[i] = lo;
    counts[lo] = counts[lo]! + 1;
  }
  return { stream, counts };
}

/** The k caller indexes with the most events (ties: the lower index), most first. */
export function exactTop(counts: Uint32Array, k: number): number[] {
  return [...counts.keys()].sort((a, b) => counts[b]! - counts[a]! || a - b).slice(0, k);
}
