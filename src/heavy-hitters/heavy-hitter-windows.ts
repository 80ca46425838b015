/**
 * The windows heavy hitters are reported over, and the time buckets each is built from. A bucket
 * is one space-saving summary; a window's answer merges the buckets that overlap it, so it covers
 * the window and at most one bucket more (the last minute: 60 to 70 s; the last hour: 60 to 65
 * min; the last day: 24 to 25 h). Smaller buckets would follow the window more closely, but every
 * bucket merged adds its floor to the error bounds and its counters to memory and to Cassandra.
 * Pure: times are arguments.
 */

export const HEAVY_HITTER_WINDOWS = ['1m', '1h', '1d'] as const;

/** The window a report covers: the last minute, hour or day. */
export type HeavyHitterWindow = (typeof HEAVY_HITTER_WINDOWS)[number];

export interface WindowSpan {
  windowMs: number;
  bucketMs: number;
}

export const WINDOW_SPANS: Readonly<Record<HeavyHitterWindow, WindowSpan>> = Object.freeze({
  '1m': { windowMs: 60_000, bucketMs: 10_000 },
  '1h': { windowMs: 3_600_000, bucketMs: 300_000 },
  '1d': { windowMs: 86_400_000, bucketMs: 3_600_000 },
});

/** Extra life of a published summary beyond its window, for clocks a little apart between instances. */
const TTL_MARGIN_SECONDS = 60;

/** The start of the bucket of `window` that holds the instant atMs. */
export function bucketStartOf(window: HeavyHitterWindow, atMs: number): number {
  const { bucketMs } = WINDOW_SPANS[window];
  return Math.floor(atMs / bucketMs) * bucketMs;
}

/** The starts of the buckets that overlap (nowMs - window, nowMs], oldest first. */
export function bucketsCovering(window: HeavyHitterWindow, nowMs: number): number[] {
  const { windowMs, bucketMs } = WINDOW_SPANS[window];
  const starts: number[] = [];
  for (let start = bucketStartOf(window, nowMs - windowMs); start <= nowMs; start += bucketMs) starts.push(start);
  return starts;
}

/** Whether a bucket can still be part of some report: it overlaps the window ending now or later. */
export function bucketIsLive(window: HeavyHitterWindow, bucketStartMs: number, nowMs: number): boolean {
  const { windowMs, bucketMs } = WINDOW_SPANS[window];
  return bucketStartMs + bucketMs > nowMs - windowMs;
}

/**
 * How long a published summary lives (Cassandra TTL): it is written while its bucket is open or
 * just after, and read until its end has left the window, so a window and a bucket from its
 * first write, plus a margin.
 */
export function summaryTtlSeconds(window: HeavyHitterWindow): number {
  const { windowMs, bucketMs } = WINDOW_SPANS[window];
  return Math.ceil((windowMs + bucketMs) / 1000) + TTL_MARGIN_SECONDS;
}
