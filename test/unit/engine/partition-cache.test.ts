import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../../src/clock.js';
import { PartitionCache } from '../../../src/engine/partition-cache.js';
import { createThrottle } from '../../../src/engine/throttle.js';
import { writeBack } from '../../../src/engine/write-back.js';
import { MemoryCallLog } from '../../../src/store/memory/memory-call-log.js';
import { FaultyCallLog } from '../../support/faulty-call-log.js';
import { testRule } from '../../support/rules.js';

const T0 = 1_800_000_000_000;
const HOUR = 3_600_000;
const rule = testRule('r', [[2, '1h']]);
const p = { caller: 'k', api: 'r' };

describe('PartitionCache', () => {
  it('keeps a state until its newest call is one longest window old, then drops it', () => {
    const cache = new PartitionCache();
    cache.set(rule, p, { version: 2, callsMs: [T0, T0 - 1_000] });
    expect(cache.get(p, T0 + HOUR - 1)).toEqual({ version: 2, callsMs: [T0, T0 - 1_000] });
    expect(cache.get(p, T0 + HOUR)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('does not keep a state without calls (nothing to decide from, and the partition may expire)', () => {
    const cache = new PartitionCache();
    cache.set(rule, p, { version: 3, callsMs: [] });
    expect(cache.get(p, T0)).toBeUndefined();
  });

  it('forgets a partition on request', () => {
    const cache = new PartitionCache();
    cache.set(rule, p, { version: 1, callsMs: [T0] });
    cache.forget(p);
    expect(cache.get(p, T0)).toBeUndefined();
  });

  it('keeps at most its bound, dropping the least recently used; 0 keeps nothing', () => {
    const cache = new PartitionCache(2);
    const [a, b, c] = ['a', 'b', 'c'].map((caller) => ({ caller, api: 'r' }));
    cache.set(rule, a!, { version: 1, callsMs: [T0] });
    cache.set(rule, b!, { version: 1, callsMs: [T0] });
    cache.get(a!, T0);
    cache.set(rule, c!, { version: 1, callsMs: [T0] });
    expect(cache.size).toBe(2);
    expect(cache.get(b!, T0)).toBeUndefined();
    expect(cache.get(a!, T0)).toBeDefined();
    const off = new PartitionCache(0);
    off.set(rule, a!, { version: 1, callsMs: [T0] });
    expect(off.size).toBe(0);
  });

  it('counts lookups that found a live entry (hits) and those that did not, expired ones included (misses)', () => {
    const cache = new PartitionCache();
    expect([cache.hits, cache.misses]).toEqual([0, 0]);
    cache.get(p, T0);
    cache.set(rule, p, { version: 1, callsMs: [T0] });
    cache.get(p, T0);
    cache.get(p, T0 + 1);
    cache.get(p, T0 + HOUR);
    expect([cache.hits, cache.misses]).toEqual([2, 2]);
  });
});

describe('createThrottle with its partition cache', () => {
  function setup() {
    const clock = createManualClock(T0);
    const store = new FaultyCallLog(new MemoryCallLog(clock));
    const throttle = createThrottle({ store, local: new MemoryCallLog(clock), clock, deadlineMs: 100 });
    return { clock, store, throttle };
  }
  const target = { rule, partition: p };

  it('admits a new caller with one store call (the compare-and-set), and a known one likewise', async () => {
    const { store, throttle, clock } = setup();
    expect((await throttle.check([target])).admitted).toBe(true);
    expect(store.calls).toBe(1);
    clock.advance(1_000);
    expect((await throttle.check([target])).admitted).toBe(true);
    expect(store.calls).toBe(2);
  });

  it('reads again when another instance moved the partition since (the compare-and-set fails)', async () => {
    const { store, throttle, clock } = setup();
    await throttle.check([target]);
    await store.append(p, 1, T0 + 1, 3_660, { timeoutMs: 1 });
    const before = store.calls;
    clock.advance(1_000);
    const verdict = await throttle.check([target]);
    expect(verdict.admitted).toBe(false);
    expect(store.calls - before).toBe(2); // a failed compare-and-set, then a read; the denial writes nothing
  });

  it("answers at least 99% of a flood's denials without touching the store", async () => {
    const { store, throttle } = setup();
    await throttle.check([target]);
    await throttle.check([target]);
    const before = store.calls;
    const verdicts = [];
    for (let i = 0; i < 1_000; i++) verdicts.push(await throttle.check([target]));
    expect(verdicts.every((v) => !v.admitted)).toBe(true);
    expect(verdicts.filter((v) => v.via === 'cache').length).toBeGreaterThanOrEqual(990);
    expect(store.calls - before).toBeLessThanOrEqual(10);
  });

  it('goes back to the store once the window has room, and admits', async () => {
    const { clock, throttle } = setup();
    await throttle.check([target]);
    await throttle.check([target]);
    expect((await throttle.check([target])).via).toBe('cache');
    clock.advance(HOUR);
    expect(await throttle.check([target])).toMatchObject({ via: 'store', admitted: true });
  });

  it('stops denying from the cache once the partition is forgotten (an operator reset it)', async () => {
    const { throttle, store } = setup();
    await throttle.check([target]);
    await throttle.check([target]);
    expect((await throttle.check([target])).via).toBe('cache');
    await store.reset(p, T0, 3_660, { timeoutMs: 1 });
    throttle.forget(p);
    expect(await throttle.check([target])).toMatchObject({ via: 'store', admitted: true });
  });

  it('keeps what the local fallback admitted out of the cache, but counts it until it is written back', async () => {
    const clock = createManualClock(T0);
    const shared = new MemoryCallLog(clock);
    const store = new FaultyCallLog(shared);
    const local = new MemoryCallLog(clock);
    const cache = new PartitionCache();
    const throttle = createThrottle({ store, local, clock, deadlineMs: 100, cache });
    store.fault = 'fail';
    for (let i = 0; i < 2; i++) expect(await throttle.check([target])).toMatchObject({ via: 'local', admitted: true });
    expect(cache.get(p, T0)).toBeUndefined(); // Cassandra has not confirmed these
    store.fault = 'none';
    expect(await throttle.check([target])).toMatchObject({ via: 'cache', admitted: false });
    await writeBack(local, shared, T0, 100);
    expect(local.pending()).toEqual([]);
    expect(await throttle.check([target])).toMatchObject({ via: 'store', admitted: false });
  });

  it('forgets what the local fallback admitted when an operator resets the partition', async () => {
    const { throttle, store } = setup();
    store.fault = 'fail';
    for (let i = 0; i < 2; i++) await throttle.check([target]);
    store.fault = 'none';
    throttle.forget(p);
    expect(await throttle.check([target])).toMatchObject({ via: 'store', admitted: true });
  });
});
