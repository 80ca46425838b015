import { describe, expect, it } from 'vitest';
import { SpaceSaving, type Counter } from '../../../src/heavy-hitters/space-saving.js';
import { seededRandom } from '../../../bench/zipf-workload.js';

/** Feeds a stream written as letters ("aab": a, a, b). */
function fed(capacity: number, stream: string): SpaceSaving {
  const summary = new SpaceSaving(capacity);
  for (const caller of stream) summary.offer(caller);
  return summary;
}

const c = (caller: string, count: number, error = 0): Counter => ({ caller, count, error });

describe('SpaceSaving', () => {
  it.each<[string, number, string, Counter[], number]>([
    ['counts exactly until a counter is taken over', 3, 'aabac', [c('a', 3), c('b', 1), c('c', 1)], 0],
    ['gives a newcomer the smallest counter, its count becoming the error', 2, 'aabc', [c('a', 2), c('c', 2, 1)], 2],
    ['keeps a caller above N/m through a run of one-offs', 2, 'aaaaaabcd', [c('a', 6), c('d', 3, 2)], 3],
    ['lets a newcomer climb past the callers it displaced', 2, 'abcccc', [c('c', 5, 1), c('b', 1)], 1],
    ['orders equal counts by smaller error, then by caller', 3, 'bbaacd', [c('a', 2), c('b', 2), c('d', 2, 1)], 2],
    ['is empty before any event', 4, '', [], 0],
  ])('%s', (_, capacity, stream, counters, floor) => {
    const summary = fed(capacity, stream);
    expect(summary.counters()).toEqual(counters);
    expect(summary.floor).toBe(floor);
    expect(summary.total).toBe(stream.length);
  });

  it('adds weights, and keeps the newest normalised key of a caller', () => {
    const summary = new SpaceSaving(2);
    summary.offer('a', 5, '+14155550100');
    summary.offer('b', 2);
    summary.offer('a', 1, '+14155550101');
    summary.offer('c', 3);
    expect(summary.counters()).toEqual([{ caller: 'a', count: 6, error: 0, key: '+14155550101' }, c('c', 5, 2)]);
    expect(summary.total).toBe(11);
  });

  it('estimates a caller it does not count by its floor, as an upper bound', () => {
    const summary = fed(2, 'aabbbc');
    expect(summary.estimate('b')).toEqual(c('b', 3));
    expect(summary.estimate('zzz')).toEqual(c('zzz', summary.floor, summary.floor));
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a capacity of %s', (capacity) => {
    expect(() => new SpaceSaving(capacity)).toThrow(RangeError);
  });

  // The guarantees of Metwally et al., checked against exact counts on seeded random streams.
  it.each([
    [1, 10, 200],
    [7, 20, 1_000],
    [42, 50, 5_000],
    [2024, 100, 20_000],
  ])('keeps its bounds (seed %i, %i counters, %i events)', (seed, capacity, events) => {
    const random = seededRandom(seed);
    const summary = new SpaceSaving(capacity);
    const exact = new Map<string, number>();
    for (let i = 0; i < events; i++) {
      // Skewed: a few callers often, many rarely.
      const caller = `k${Math.floor(Math.pow(random(), 3) * capacity * 5)}`;
      summary.offer(caller);
      exact.set(caller, (exact.get(caller) ?? 0) + 1);
    }
    const counters = summary.counters();
    expect(counters).toHaveLength(Math.min(capacity, exact.size));
    expect(counters.reduce((sum, x) => sum + x.count, 0)).toBe(events);
    for (const counter of counters) {
      const truth = exact.get(counter.caller)!;
      expect(counter.count - counter.error).toBeLessThanOrEqual(truth);
      expect(counter.count).toBeGreaterThanOrEqual(truth);
    }
    const listed = new Set(counters.map((x) => x.caller));
    for (const [caller, truth] of exact) if (!listed.has(caller)) expect(truth).toBeLessThanOrEqual(summary.floor);
    expect(summary.floor).toBeLessThanOrEqual(events / capacity);
  });
});
