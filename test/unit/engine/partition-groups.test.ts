/**
 * Group commit on one hot partition (engine/admit-group.ts, engine/partition-groups.ts): a burst
 * for one key is decided in arrival order with one compare-and-set per 25 admissions, exactly.
 */
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../../src/clock.js';
import { createThrottle } from '../../../src/engine/throttle.js';
import { MAX_GROUP_APPEND } from '../../../src/engine/admit-group.js';
import { MemoryCallLog } from '../../../src/store/memory/memory-call-log.js';
import { FaultyCallLog } from '../../support/faulty-call-log.js';
import { testRule } from '../../support/rules.js';

const T0 = 1_800_000_000_000;

function setup() {
  const clock = createManualClock(T0);
  const shared = new MemoryCallLog(clock);
  const store = new FaultyCallLog(shared);
  store.fault = 'slow';
  store.delayMs = 2;
  const instance = () => createThrottle({ store, local: new MemoryCallLog(clock), clock, deadlineMs: 2_000 });
  return { clock, shared, store, instance };
}

describe('a burst on one partition', () => {
  it('admits exactly the limit, the first arrivals, with one compare-and-set per 25 admissions', async () => {
    const { shared, store, instance } = setup();
    const throttle = instance();
    const rule = testRule('r', [[100, '1h']]);
    const target = { rule, partition: { caller: 'k', api: 'r' } };
    const verdicts = await Promise.all(Array.from({ length: 200 }, () => throttle.check([target])));
    expect(verdicts.map((v) => v.admitted)).toEqual(Array.from({ length: 200 }, (_, i) => i < 100));
    expect(verdicts.every((v) => v.via === 'store')).toBe(true);
    // Tried as new, then 100 / 25 appends in all; the 100 denials need no store call at all.
    expect(store.calls).toBe(100 / MAX_GROUP_APPEND);
    const state = await shared.read(target.partition, 0, 1_000);
    expect(state).toEqual({ version: 4, callsMs: Array(100).fill(T0) });
  });

  it('tells each member of the group its own decision: used count and Retry-After for the denied', async () => {
    const { clock, instance } = setup();
    const throttle = instance();
    const rule = testRule('r', [[3, '1m']]);
    const target = { rule, partition: { caller: 'k', api: 'r' } };
    await throttle.check([target]);
    clock.advance(10_000);
    const verdicts = await Promise.all(Array.from({ length: 4 }, () => throttle.check([target])));
    expect(verdicts.map((v) => v.admitted)).toEqual([true, true, false, false]);
    expect(verdicts.map((v) => v.decisions[0]!.decision.windows[0]!.used)).toEqual([1, 2, 3, 3]);
    // The window frees when the first call, 10 s ago, leaves a 1-minute window.
    expect(verdicts[2]!.decisions[0]!.decision.retryAfterMs).toBe(50_000);
  });

  it('holds the limit across two instances whose groups race on the same partition', async () => {
    const { shared, instance } = setup();
    const a = instance();
    const b = instance();
    const rule = testRule('r', [[100, '1h']]);
    const target = { rule, partition: { caller: 'k', api: 'r' } };
    const verdicts = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).check([target])));
    expect(verdicts.filter((v) => v.admitted)).toHaveLength(100);
    expect(verdicts.every((v) => v.via === 'store')).toBe(true);
    expect((await shared.read(target.partition, 0, 1_000)).callsMs).toHaveLength(100);
  });

  it('stays exact when a reload gives the same rule id a new rule object mid-burst', async () => {
    const { shared, instance } = setup();
    const throttle = instance();
    const before = testRule('r', [[5, '1h']]);
    const after = testRule('r', [[5, '1h']]);
    const partition = { caller: 'k', api: 'r' };
    const verdicts = await Promise.all(Array.from({ length: 20 }, (_, i) => throttle.check([{ rule: i % 2 ? after : before, partition }])));
    expect(verdicts.filter((v) => v.admitted)).toHaveLength(5);
    expect((await shared.read(partition, 0, 100)).callsMs).toHaveLength(5);
  });
});
