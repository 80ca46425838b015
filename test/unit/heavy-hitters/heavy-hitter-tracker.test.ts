import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../../src/clock.js';
import { HeavyHitterTracker, sideOf, type Observation } from '../../../src/heavy-hitters/heavy-hitter-tracker.js';
import { reportHeavyHitters } from '../../../src/heavy-hitters/heavy-hitter-report.js';
import type { HeavyHitterWindow } from '../../../src/heavy-hitters/heavy-hitter-windows.js';
import { MemoryHeavyHitterStore } from '../../../src/store/memory/memory-heavy-hitter-store.js';
import { publishHeavyHitters } from '../../../src/jobs/publish-heavy-hitters.js';

const T0 = 1_800_000_000_000;
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const flood = (caller: string, n: number, outcome = 'limited'): Observation[] => Array.from({ length: n }, () => ({ rule: 'r', outcome, caller }));

/** A tracker, the store it publishes to, and the clock both read; `top` asks as GET /v1/admin/top does. */
function instance(publish: boolean) {
  const clock = createManualClock(T0);
  const store = new MemoryHeavyHitterStore(clock);
  const tracker = new HeavyHitterTracker({ capacity: 8, instanceId: 'a' });
  return {
    clock,
    tracker,
    observe: (events: Observation[]) => tracker.observe(events, clock()),
    /** Moves the clock, publishing every 5 s on the way as the job would (when `publish`). */
    advance: async (ms: number) => {
      for (let left = ms; left > 0; ) {
        const step = Math.min(left, 5 * SECOND);
        clock.advance(step);
        left -= step;
        if (publish) await publishHeavyHitters(tracker, store, clock);
      }
    },
    publish: () => publishHeavyHitters(tracker, store, clock),
    top: async (window: HeavyHitterWindow) => (await reportHeavyHitters({ store, tracker, showKeys: false }, { rule: 'r', window, k: 3 }, clock())).refused.map((h) => `${h.caller}:${h.count}`),
  };
}

describe('HeavyHitterTracker', () => {
  it.each([
    ['admitted', 'admitted'],
    ['limited', 'refused'],
    ['denied-listed', 'refused'],
    ['shadow', undefined],
    ['allowed-listed', undefined],
  ])('counts a %s decision as %s', (outcome, side) => {
    expect(sideOf(outcome)).toBe(side);
  });

  // x floods at T0 and y at T0 + 61 min: each leaves the last minute 70 s after its bucket began
  // at most, the last hour 65 min after, the last day 25 h after (a window and one bucket).
  it.each([true, false])('rolls each window over as its buckets leave it (publishing every 5 s: %s)', async (publish) => {
    const a = instance(publish);
    a.observe(flood('x', 5));
    const steps: Array<[number, HeavyHitterWindow, string[]]> = [
      [70 * SECOND - 1, '1m', ['x:5']],
      [70 * SECOND, '1m', []],
      [70 * SECOND, '1h', ['x:5']],
      [61 * MINUTE, '1h', ['x:5', 'y:2']],
      [65 * MINUTE - 1, '1h', ['x:5', 'y:2']],
      [65 * MINUTE, '1h', ['y:2']],
      [65 * MINUTE, '1d', ['x:5', 'y:2']],
      [25 * HOUR - 1, '1d', ['x:5', 'y:2']],
      [25 * HOUR, '1d', ['y:2']],
      [26 * HOUR, '1d', []],
    ];
    for (const [at, window, expected] of steps) {
      await a.advance(T0 + at - a.clock());
      if (at === 61 * MINUTE) a.observe(flood('y', 2));
      expect([at, window, await a.top(window)]).toEqual([at, window, expected]);
    }
  });

  it('publishes only what changed, and again after a failed write', async () => {
    const tracker = new HeavyHitterTracker({ capacity: 8, instanceId: 'a' });
    tracker.observe([...flood('x', 2), ...flood('y', 1, 'admitted'), ...flood('z', 1, 'shadow')], T0);
    const first = tracker.pending();
    // One summary per window and side: 3 x 2.
    expect(first.summaries.map((s) => `${s.window} ${s.side} ${s.total}`).sort()).toEqual(['1d admitted 1', '1d refused 2', '1h admitted 1', '1h refused 2', '1m admitted 1', '1m refused 2']);
    expect(first.summaries.every((s) => s.instance === 'a' && s.rule === 'r' && s.bucketStartMs === T0)).toBe(true);
    // Not done (the write failed): the same summaries are pending still.
    expect(tracker.pending().summaries).toHaveLength(6);
    tracker.pending().done(T0);
    expect(tracker.pending().summaries).toEqual([]);
    tracker.observe(flood('x', 1), T0 + SECOND);
    expect(tracker.pending().summaries.map((s) => `${s.window} ${s.side} ${s.total}`).sort()).toEqual(['1d refused 3', '1h refused 3', '1m refused 3']);
  });

  it('holds a bounded number of summaries: the open buckets once published, a window of buckets at most without', () => {
    const published = new HeavyHitterTracker({ capacity: 8, instanceId: 'a' });
    const unpublished = new HeavyHitterTracker({ capacity: 8, instanceId: 'b' });
    for (let t = T0; t < T0 + 30 * HOUR; t += 10 * SECOND) {
      const events = [...flood(`c${t % 97}`, 1), ...flood(`d${t % 89}`, 1, 'admitted')];
      published.observe(events, t);
      unpublished.observe(events, t);
      published.pending().done(t);
    }
    expect(published.footprint().summaries).toBe(3 * 2);
    // Per side, the buckets that overlap each window: 7 of 10 s, 13 of 5 min, 25 of 1 h.
    expect(unpublished.footprint().summaries).toBe(2 * (7 + 13 + 25));
    expect(unpublished.footprint().counters).toBeLessThanOrEqual(2 * (7 + 13 + 25) * 8);
  });

  it('shows its own latest counts before they are published, in place of its older published copy', async () => {
    const a = instance(false);
    a.observe(flood('x', 3));
    await a.publish();
    a.observe(flood('x', 2));
    expect(await a.top('1m')).toEqual(['x:5']);
  });
});
