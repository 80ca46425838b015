import { describe, expect, it } from 'vitest';
import { bucketIsLive, bucketsCovering, bucketStartOf, summaryTtlSeconds, type HeavyHitterWindow } from '../../../src/heavy-hitters/heavy-hitter-windows.js';

const T0 = 1_800_000_000_000; // a whole day in ms since the epoch, so every bucket length divides it

describe('heavy-hitter windows', () => {
  it.each<[HeavyHitterWindow, number, number, number, number]>([
    // window, now, buckets, first bucket, last bucket
    ['1m', T0, 7, T0 - 60_000, T0],
    ['1m', T0 + 9_999, 7, T0 - 60_000, T0],
    ['1m', T0 + 10_000, 7, T0 - 50_000, T0 + 10_000],
    ['1h', T0 + 1, 13, T0 - 3_600_000, T0],
    ['1h', T0 + 299_999, 13, T0 - 3_600_000, T0],
    ['1d', T0 + 1_800_000, 25, T0 - 86_400_000, T0],
  ])('%s at now = T0 + %#: the buckets that overlap the window', (window, now, count, first, last) => {
    const buckets = bucketsCovering(window, now);
    expect(buckets).toHaveLength(count);
    expect(buckets[0]).toBe(first);
    expect(buckets.at(-1)).toBe(last);
    expect(buckets.at(-1)).toBe(bucketStartOf(window, now));
    expect(buckets.every((b) => bucketIsLive(window, b, now))).toBe(true);
    expect(bucketIsLive(window, first - (buckets[1]! - buckets[0]!), now)).toBe(false);
  });

  it.each<[HeavyHitterWindow, number]>([
    ['1m', 60 + 10 + 60],
    ['1h', 3_600 + 300 + 60],
    ['1d', 86_400 + 3_600 + 60],
  ])('keeps a %s summary a window and a bucket plus a minute (%i s)', (window, ttl) => {
    expect(summaryTtlSeconds(window)).toBe(ttl);
  });
});
