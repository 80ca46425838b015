/**
 * The heavy hitters against exact counts on a small seeded Zipf workload (the bench,
 * bench/top-k-accuracy.ts, does the same at 1M events): deterministic, no timing.
 */
import { describe, expect, it } from 'vitest';
import { HeavyHitterTracker } from '../../../src/heavy-hitters/heavy-hitter-tracker.js';
import { reportHeavyHitters, type HeavyHitter } from '../../../src/heavy-hitters/heavy-hitter-report.js';
import { MemoryHeavyHitterStore } from '../../../src/store/memory/memory-heavy-hitter-store.js';
import { exactTop, zipfWorkload } from '../../../bench/zipf-workload.js';

const T0 = 1_800_000_000_000;
const K = 10;
const EVENTS = 30_000;
const { stream, counts } = zipfWorkload({ events: EVENTS, keys: 3_000, s: 1.1, seed: 14 });
const indexOf = (hit: HeavyHitter) => Number(hit.caller.slice(1));

/** The workload spread over `instances` trackers (as a load balancer would) in one 10 s bucket, then reported. */
async function topOf(capacity: number, instances: number): Promise<HeavyHitter[]> {
  const store = new MemoryHeavyHitterStore(() => T0);
  const trackers = Array.from({ length: instances }, (_, i) => new HeavyHitterTracker({ capacity, instanceId: `i${i}` }));
  stream.forEach((key, i) => trackers[i % instances]!.observe([{ rule: 'r', outcome: 'limited', caller: `k${key}` }], T0 + (i % 9_000)));
  for (const tracker of trackers) await store.write(tracker.pending().summaries);
  const reader = new HeavyHitterTracker({ capacity, instanceId: 'reader' });
  const report = await reportHeavyHitters({ store, tracker: reader, showKeys: false }, { rule: 'r', window: '1m', k: K }, T0 + 9_999);
  expect(report.instances).toBe(instances);
  return report.refused;
}

describe('top-K accuracy on a seeded Zipf workload (30k events, 3k keys, s = 1.1)', () => {
  it.each([1, 2, 3])('finds the exact top 10, in order, with 100 counters per summary over %i instance(s)', async (instances) => {
    const top = await topOf(10 * K, instances);
    expect(top.map(indexOf)).toEqual(exactTop(counts, K));
    for (const hit of top) {
      expect(hit.count).toBeGreaterThanOrEqual(counts[indexOf(hit)]!);
      expect(hit.count - hit.error).toBeLessThanOrEqual(counts[indexOf(hit)]!);
    }
  });

  // With 4K counters the tail (ranks 7 and on: 466 events and fewer) is below space-saving's
  // resolution here (N / m = 750), so only the guarantees hold: every caller above N / m is
  // listed, in order, and every count brackets the truth.
  it.each([1, 3])('keeps its guarantees with 40 counters per summary over %i instance(s)', async (instances) => {
    const top = await topOf(4 * K, instances);
    const above = exactTop(counts, K).filter((key) => counts[key]! > EVENTS / (4 * K));
    expect(above).toEqual([0, 1, 2, 3, 4]);
    expect(top.map(indexOf).slice(0, above.length)).toEqual(above);
    for (const hit of top) {
      expect(hit.count).toBeGreaterThanOrEqual(counts[indexOf(hit)]!);
      expect(hit.count - hit.error).toBeLessThanOrEqual(counts[indexOf(hit)]!);
      expect(hit.error).toBeLessThanOrEqual(EVENTS / (4 * K));
    }
  });
});
