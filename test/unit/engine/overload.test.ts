/**
 * The store slower than the deadline (a burst queued behind one hot key, a busy node): decisions
 * fall back, but the fallback continues from what the instance knows, so the limit holds.
 */
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../../src/clock.js';
import { createThrottle } from '../../../src/engine/throttle.js';
import { MemoryCallLog } from '../../../src/store/memory/memory-call-log.js';
import { FaultyCallLog } from '../../support/faulty-call-log.js';
import { testRule } from '../../support/rules.js';

const T0 = 1_800_000_000_000;

function setup(deadlineMs: number) {
  const clock = createManualClock(T0);
  const shared = new MemoryCallLog(clock);
  const store = new FaultyCallLog(shared);
  const local = new MemoryCallLog(clock);
  const throttle = createThrottle({ store, local, clock, deadlineMs });
  return { clock, shared, store, local, throttle };
}

describe('the local fallback under overload', () => {
  it('continues from the calls this instance saw in the store, instead of from zero', async () => {
    const { store, throttle } = setup(20);
    const target = { rule: testRule('r', [[5, '1h']], { onStoreError: 'local' }), partition: { caller: 'k', api: 'r' } };
    for (let i = 0; i < 4; i++) expect((await throttle.check([target])).via).toBe('store');
    store.fault = 'hang';
    const verdicts = [];
    for (let i = 0; i < 3; i++) verdicts.push(await throttle.check([target]));
    // The fifth call is admitted by the fallback; after it, what this instance knows (four calls
    // confirmed, one of its own) fills the window, so the denials wait for no deadline.
    expect(verdicts.map((v) => [v.via, v.admitted])).toEqual([
      ['local', true],
      ['cache', false],
      ['cache', false],
    ]);
  });

  it('admits no more than the limit when a burst outlasts the deadline (store and fallback together)', async () => {
    // 25 ms a store call: the group's third compare-and-set is still out when every deadline passes.
    const { store, throttle } = setup(60);
    store.fault = 'slow';
    store.delayMs = 25;
    const target = { rule: testRule('r', [[100, '1h']], { onStoreError: 'local' }), partition: { caller: 'k', api: 'r' } };
    const verdicts = await Promise.all(Array.from({ length: 200 }, () => throttle.check([target])));
    const viaStore = verdicts.filter((v) => v.via === 'store' && v.admitted).length;
    const viaLocal = verdicts.filter((v) => v.via === 'local' && v.admitted).length;
    expect(viaStore).toBeGreaterThan(0);
    expect(verdicts.some((v) => v.via === 'local')).toBe(true); // the deadline did bite
    // (An append abandoned at the deadline may still land in the store: counted, never admitted.)
    expect(viaStore + viaLocal).toBeLessThanOrEqual(100);
  });
});

describe('trying unknown partitions as new', () => {
  it('stops when most unknown partitions turn out to exist (returning callers), and reads first instead', async () => {
    const { shared, store, throttle } = setup(1_000);
    const rule = testRule('r', [[5, '1h']]);
    for (let i = 0; i < 200; i++) await shared.append({ caller: `old-${i}`, api: 'r' }, 0, T0 - 1_000, 3_660);
    const costs: number[] = [];
    for (let i = 0; i < 200; i++) {
      const before = store.calls;
      expect((await throttle.check([{ rule, partition: { caller: `old-${i}`, api: 'r' } }])).admitted).toBe(true);
      costs.push(store.calls - before);
    }
    expect(costs[0]).toBe(3); // failed compare-and-set, read, compare-and-set
    expect(costs.slice(-20)).toEqual(Array(20).fill(2)); // read, compare-and-set
  });

  it('starts again once unknown partitions turn out new', async () => {
    const { shared, store, throttle } = setup(1_000);
    const rule = testRule('r', [[5, '1h']]);
    for (let i = 0; i < 100; i++) await shared.append({ caller: `old-${i}`, api: 'r' }, 0, T0 - 1_000, 3_660);
    for (let i = 0; i < 100; i++) await throttle.check([{ rule, partition: { caller: `old-${i}`, api: 'r' } }]);
    const costs: number[] = [];
    for (let i = 0; i < 200; i++) {
      const before = store.calls;
      await throttle.check([{ rule, partition: { caller: `new-${i}`, api: 'r' } }]);
      costs.push(store.calls - before);
    }
    expect(costs.slice(-20)).toEqual(Array(20).fill(1));
  });
});
