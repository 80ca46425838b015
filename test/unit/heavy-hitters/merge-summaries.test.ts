import { describe, expect, it } from 'vitest';
import { mergeSummaries, type Summary } from '../../../src/heavy-hitters/merge-summaries.js';
import { SpaceSaving, type Counter } from '../../../src/heavy-hitters/space-saving.js';
import { exactTop, zipfWorkload } from '../../../bench/zipf-workload.js';

const c = (caller: string, count: number, error = 0): Counter => ({ caller, count, error });
const exact = (...counters: Counter[]): Summary => ({ total: counters.reduce((s, x) => s + x.count, 0), floor: 0, counters });

describe('mergeSummaries', () => {
  it.each<[string, Summary[], number, Counter[], number]>([
    ['adds the counts of exact summaries exactly', [exact(c('a', 5), c('b', 2)), exact(c('a', 1), c('c', 4))], 3, [c('a', 6), c('c', 4), c('b', 2)], 0],
    ['keeps the k largest', [exact(c('a', 5), c('b', 2)), exact(c('c', 4))], 2, [c('a', 5), c('c', 4)], 0],
    [
      'charges a caller missing from a full summary that summary\'s floor, in its count and its error',
      [{ total: 20, floor: 3, counters: [c('a', 10), c('b', 7, 3)] }, exact(c('b', 2), c('c', 9))],
      3,
      [c('c', 12, 3), c('a', 10), c('b', 9, 3)],
      3,
    ],
    ['adds errors where both list a caller', [{ total: 9, floor: 2, counters: [c('a', 6, 2)] }, { total: 9, floor: 1, counters: [c('a', 4, 1)] }], 1, [c('a', 10, 3)], 3],
    ['answers nothing for k = 0', [exact(c('a', 1))], 0, [], 0],
    ['answers nothing for no summaries', [], 5, [], 0],
  ])('%s', (_, summaries, k, top, floor) => {
    const merged = mergeSummaries(summaries, k);
    expect(merged.top).toEqual(top);
    expect(merged.floor).toBe(floor);
    expect(merged.total).toBe(summaries.reduce((s, x) => s + x.total, 0));
  });

  it('keeps the normalised key of a caller', () => {
    expect(mergeSummaries([exact({ caller: 'a', count: 2, error: 0, key: '+14155550100' }), exact(c('a', 1))], 1).top).toEqual([{ caller: 'a', count: 3, error: 0, key: '+14155550100' }]);
  });

  it('orders a long list as a full sort would', () => {
    const counters = Array.from({ length: 500 }, (_, i) => c(`k${i}`, (i * 7919) % 101, i % 3));
    const sorted = [...counters].sort((x, y) => y.count - x.count || x.error - y.error || (x.caller < y.caller ? -1 : 1));
    expect(mergeSummaries([{ total: 0, floor: 0, counters }], 25).top).toEqual(sorted.slice(0, 25));
  });

  // Three instances x four time buckets, each its own space-saving summary of part of one Zipf stream.
  it('keeps guaranteed bounds and finds the true top 10 across 12 summaries of a seeded Zipf stream', () => {
    const { stream, counts } = zipfWorkload({ events: 60_000, keys: 5_000, s: 1.1, seed: 11 });
    const summaries = Array.from({ length: 12 }, () => new SpaceSaving(100));
    stream.forEach((key, i) => summaries[(i * 7) % 12]!.offer(`k${key}`));
    const merged = mergeSummaries(summaries.map((s) => ({ total: s.total, floor: s.floor, counters: s.counters() })), 10);
    expect(merged.total).toBe(60_000);
    for (const counter of merged.top) {
      const truth = counts[Number(counter.caller.slice(1))]!;
      expect(counter.count).toBeGreaterThanOrEqual(truth);
      expect(counter.count - counter.error).toBeLessThanOrEqual(truth);
    }
    expect(merged.top.map((x) => Number(x.caller.slice(1)))).toEqual(exactTop(counts, 10));
  });
});
