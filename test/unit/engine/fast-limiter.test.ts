import { describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../../src/clock.js';
import type { Target } from '../../../src/engine/admit.js';
import type { FastCount, FastCountKey, FastCountStore } from '../../../src/engine/fast-count-store.js';
import { windowStart } from '../../../src/engine/fixed-window.js';
import { createFastLimiter, type FastLimiter } from '../../../src/engine/limiters/fast-limiter.js';
import { MemoryFastCountStore } from '../../../src/store/memory/memory-fast-count-store.js';
import { DEFAULT_ERROR, type Rule } from '../../../src/rules/rule.js';

/** A fixed-window rule built by hand, every field given: limits as [count, windowMs]. */
function fastRule(id: string, limits: Array<[number, number]>): Rule {
  return {
    id,
    kind: 'window',
    source: 'test',
    match: { methods: '*', path: '/v1/sip' },
    key: [{ source: 'global', label: 'global' }],
    limits: limits.map(([count, windowMs]) => ({ count, windowMs, window: `${windowMs / 1000}s` })),
    action: { kind: 'reject' },
    consistency: 'fast',
    error: DEFAULT_ERROR,
    onMissingKey: 'skip',
    onStoreError: 'local',
    mode: 'enforce',
    allow: { exact: new Set(), prefixes: [] },
    deny: { exact: new Set(), prefixes: [] },
    definition: {},
  };
}

/** The memory store, counting the calls made to it, and failing while `failing` is set. */
class ObservedStore implements FastCountStore {
  failing = false;
  calls = 0;
  published: FastCount[][] = [];
  constructor(private readonly inner: FastCountStore) {}
  async publish(instanceId: string, counts: readonly FastCount[]): Promise<void> {
    this.calls++;
    if (this.failing) throw new Error('store down');
    this.published.push([...counts]);
    await this.inner.publish(instanceId, counts, { timeoutMs: 1 });
  }
  async readOthers(instanceId: string, keys: readonly FastCountKey[]): Promise<number[]> {
    this.calls++;
    if (this.failing) throw new Error('store down');
    return this.inner.readOthers(instanceId, keys, { timeoutMs: 1 });
  }
}

const T0 = 1_800_000_000_000;
const SYNC_MS = 100;

function setup(instances = 2, maxPartitions?: number): { clock: ManualClock; store: ObservedStore; limiters: FastLimiter[]; errors: unknown[] } {
  const clock = createManualClock(T0);
  const store = new ObservedStore(new MemoryFastCountStore(clock));
  const errors: unknown[] = [];
  const limiters = Array.from({ length: instances }, (_, i) =>
    createFastLimiter({ store, instanceId: `i-${i}`, clock, syncIntervalMs: SYNC_MS, ...(maxPartitions ? { maxPartitions } : {}), onSyncError: (e) => errors.push(e) }),
  );
  return { clock, store, limiters, errors };
}

const target = (rule: Rule, caller = 'acct-1', cost?: number): Target => ({ rule, partition: { caller, api: rule.id }, ...(cost === undefined ? {} : { cost }) });
const take = (limiter: FastLimiter, targets: Target[], nowMs: number) => limiter.take({ targets, nowMs, leaseId: 'unused' });

/**
 * Paced traffic on one partition for `windows` whole windows of 1 s: each instance tries every
 * `paceMs` (so admits at most r = 1000 / paceMs per second), instance i offset by i ms; at each
 * ms `syncAt(i, t)` says whether instance i syncs first. Answers the admissions per window.
 */
async function paced(limiters: FastLimiter[], clock: ManualClock, rule: Rule, paceMs: number, windows: number, syncAt: (i: number, t: number) => boolean): Promise<number[]> {
  const admitted = new Array<number>(windows).fill(0);
  for (let t = 0; t < windows * 1_000; t++) {
    clock.set(T0 + t);
    const syncing = limiters.filter((_, i) => syncAt(i, t));
    // Started together, as aligned ticks on several instances are: every publish lands before any read.
    await Promise.all(syncing.map((l) => l.sync()));
    for (const [i, limiter] of limiters.entries()) {
      if ((t - i) % paceMs !== 0) continue;
      if ((await take(limiter, [target(rule)], clock())).admitted) admitted[Math.floor(t / 1_000)]!++;
    }
  }
  return admitted;
}

describe('the fast limiter bound (two instances, one MemoryFastCountStore)', () => {
  const LIMIT = 100;
  const rule = fastRule('packets', [[LIMIT, 1_000]]);
  const PACE_MS = 5;
  const r = 1_000 / PACE_MS;

  it('with aligned syncs, admits the whole limit and at most limit + (N - 1) * r * (T + L) per window', async () => {
    const { clock, limiters } = setup();
    const perWindow = await paced(limiters, clock, rule, PACE_MS, 5, (_, t) => t % SYNC_MS === 0);
    // L = 0 here: the memory store answers within the same ms of the manual clock.
    const bound = LIMIT + (limiters.length - 1) * r * (SYNC_MS / 1_000);
    console.log(`aligned syncs: admitted per window ${perWindow.join(', ')} (limit ${LIMIT}, bound ${bound})`);
    for (const n of perWindow) {
      expect(n).toBeGreaterThanOrEqual(LIMIT);
      expect(n).toBeLessThanOrEqual(bound);
    }
  });

  it('with syncs half an interval apart, stays within the worst case limit + (N - 1) * r * 2 (T + L)', async () => {
    const { clock, limiters } = setup();
    const perWindow = await paced(limiters, clock, rule, PACE_MS, 5, (i, t) => (t - i * (SYNC_MS / 2)) % SYNC_MS === 0);
    const bound = LIMIT + (limiters.length - 1) * r * 2 * (SYNC_MS / 1_000);
    console.log(`unaligned syncs: admitted per window ${perWindow.join(', ')} (limit ${LIMIT}, bound ${bound})`);
    for (const n of perWindow) {
      expect(n).toBeGreaterThanOrEqual(LIMIT);
      expect(n).toBeLessThanOrEqual(bound);
    }
  });

  it('lets a burst faster than a sync through at most twice (N x limit, as per-node counting always does)', async () => {
    const { clock, limiters } = setup();
    const results = await Promise.all(limiters.flatMap((l) => Array.from({ length: 150 }, () => take(l, [target(rule)], clock()))));
    const perInstance = limiters.map((_, i) => results.slice(i * 150, (i + 1) * 150).filter((o) => o.admitted).length);
    expect(perInstance).toEqual([LIMIT, LIMIT]);
    expect(perInstance[0]! + perInstance[1]!).toBeLessThanOrEqual(2 * LIMIT);
    // Once synced, each knows the window is spent.
    await Promise.all(limiters.map((l) => l.sync()));
    clock.advance(10);
    expect(limiters.map((l) => l.blocked!([target(rule)], clock())?.admitted)).toEqual([false, false]);
  });
});

describe('createFastLimiter', () => {
  it('decides and records synchronously: no await, no store call, even for a denial', async () => {
    const { clock, store, limiters } = setup(1);
    const [limiter] = limiters;
    const rule = fastRule('one', [[1, 1_000]]);
    const first = take(limiter!, [target(rule)], clock());
    // Not awaited yet, and already counted; blocked() answers the refusal take() gives (the fast lane answers from it).
    const known = limiter!.blocked!([target(rule)], clock());
    expect(known).toMatchObject({ admitted: false, via: 'fast' });
    expect((await first).admitted).toBe(true);
    const denied = await take(limiter!, [target(rule)], clock());
    expect(denied).toMatchObject({ admitted: false, via: 'fast', decisions: [{ allowed: false, remaining: 0, retryAfterMs: 1_000, window: '1s' }] });
    expect(known!.decisions).toEqual(denied.decisions);
    expect(store.calls).toBe(0);
  });

  it('adds what the other instances published to its own count, from the next sync on', async () => {
    const { clock, limiters } = setup();
    const [a, b] = limiters;
    const rule = fastRule('shared', [[10, 1_000]]);
    for (let i = 0; i < 7; i++) await take(a!, [target(rule)], clock());
    expect((await take(b!, [target(rule)], clock())).decisions[0]).toMatchObject({ remaining: 9 });
    await a!.sync();
    await b!.sync();
    // b knows a's 7 plus its own 1: two more fit, the third does not.
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push((await take(b!, [target(rule)], clock())).admitted);
    expect(outcomes).toEqual([true, true, false]);
  });

  it('decides every window of a rule, and counts a new second from zero', async () => {
    const { clock, limiters } = setup(1);
    const [limiter] = limiters;
    const rule = fastRule('two', [
      [2, 1_000],
      [3, 60_000],
    ]);
    const results: boolean[] = [];
    for (const dt of [0, 1, 2, 1_000, 1_001]) results.push((await take(limiter!, [target(rule)], T0 + dt)).admitted);
    expect(results).toEqual([true, true, false, true, false]);
    const refused = await take(limiter!, [target(rule)], T0 + 1_500);
    expect(refused.decisions.map((d) => [d.window, d.allowed, d.retryAfterMs])).toEqual([
      ['1s', true, 0],
      ['60s', false, 58_500],
    ]);
  });

  it('admits a request on all its targets or on none, and takes each target its cost', async () => {
    const { clock, limiters } = setup(1);
    const [limiter] = limiters;
    const account = fastRule('account', [[10, 1_000]]);
    const device = fastRule('device', [[3, 1_000]]);
    expect((await take(limiter!, [target(account, 'a', 2), target(device, 'd', 2)], clock())).admitted).toBe(true);
    const refused = await take(limiter!, [target(account, 'a', 2), target(device, 'd', 2)], clock());
    expect(refused.admitted).toBe(false);
    expect(refused.decisions.map((d) => [d.rule.id, d.allowed, d.remaining])).toEqual([
      ['account', true, 8],
      ['device', false, 1],
    ]);
    // Nothing was taken from the account by the refusal: 8 left, all taken by one request.
    expect((await take(limiter!, [target(account, 'a', 8)], clock())).admitted).toBe(true);
  });

  it('counts one window named twice in one request twice', async () => {
    const { clock, limiters } = setup(1);
    const rule = fastRule('dup', [[3, 1_000]]);
    expect((await take(limiters[0]!, [target(rule, 'x', 2), target(rule, 'x', 2)], clock())).admitted).toBe(false);
    expect((await take(limiters[0]!, [target(rule, 'x', 2), target(rule, 'x', 1)], clock())).admitted).toBe(true);
    expect((await take(limiters[0]!, [target(rule, 'x')], clock())).admitted).toBe(false);
  });

  it('gives an admission back with undo, once, and publishes the lower count', async () => {
    const { clock, store, limiters } = setup(1);
    const [limiter] = limiters;
    const rule = fastRule('undo', [[1, 1_000]]);
    const outcome = await take(limiter!, [target(rule)], clock());
    await limiter!.sync();
    await outcome.undo!();
    await limiter!.sync();
    expect(store.published.map((batch) => batch.map((c) => c.count))).toEqual([[1], [0]]);
    await outcome.undo!();
    expect((await take(limiter!, [target(rule)], clock())).admitted).toBe(true);
    expect((await take(limiter!, [target(rule)], clock())).admitted).toBe(false);
  });

  it('publishes only windows that changed, and drops windows that ended', async () => {
    const { clock, store, limiters } = setup(1);
    const [limiter] = limiters;
    const rule = fastRule('sweep', [[5, 1_000]]);
    await take(limiter!, [target(rule, 'a')], clock());
    await take(limiter!, [target(rule, 'b')], clock());
    await limiter!.sync();
    await take(limiter!, [target(rule, 'a')], clock());
    await limiter!.sync();
    await limiter!.sync();
    expect(store.published.map((batch) => batch.map((c) => `${c.partition.caller}=${c.count}`))).toEqual([['a=1', 'b=1'], ['a=2'], []]);
    expect(limiter!.stats()).toMatchObject({ partitions: 2, windows: 2, syncs: 3, failures: 0 });
    clock.advance(1_000);
    await limiter!.sync();
    expect(limiter!.stats()).toMatchObject({ partitions: 0, windows: 0 });
  });

  it('publishes the last admissions of a window that ended before the sync, once', async () => {
    const { clock, store, limiters } = setup(1);
    const rule = fastRule('tail', [[5, 1_000]]);
    clock.set(T0 + 990);
    await take(limiters[0]!, [target(rule)], clock());
    clock.set(T0 + 1_010);
    await limiters[0]!.sync();
    await limiters[0]!.sync();
    expect(store.published).toEqual([[{ partition: { caller: 'acct-1', api: 'tail' }, windowMs: 1_000, windowStart: windowStart(T0, 1_000), count: 1 }], []]);
  });

  it('goes on deciding with the last known counts while syncs fail, and catches up after', async () => {
    const { clock, store, limiters, errors } = setup();
    const [a, b] = limiters;
    const rule = fastRule('outage', [[10, 1_000]]);
    for (let i = 0; i < 4; i++) await take(a!, [target(rule)], clock());
    // b reads the others' counts of the windows it decides in: it decides here once first.
    expect((await take(b!, [target(rule)], clock())).admitted).toBe(true);
    await a!.sync();
    await b!.sync();
    store.failing = true;
    for (let i = 0; i < 3; i++) await take(a!, [target(rule)], clock());
    await a!.sync();
    await b!.sync();
    expect(errors).toHaveLength(2);
    expect(a!.stats()).toMatchObject({ failures: 1, syncs: 1 });
    // b still counts only the 4 of a's it last knew of: 5 more fit, where 2 would have (the outage's excess).
    let admitted = 0;
    for (let i = 0; i < 10; i++) if ((await take(b!, [target(rule)], clock())).admitted) admitted++;
    expect(admitted).toBe(5);
    store.failing = false;
    await Promise.all([a!.sync(), b!.sync()]);
    expect(a!.blocked!([target(rule)], clock())).toMatchObject({ admitted: false });
    expect(store.published.at(-2)!.map((c) => c.count)).toEqual([7]);
  });

  it('tells onSynced how long each sync took (store time on the clock) and whether it succeeded', async () => {
    const clock = createManualClock(T0);
    const inner = new ObservedStore(new MemoryFastCountStore(clock));
    // The store's round trips take 3 ms of the limiter's clock each way.
    const slow: FastCountStore = {
      publish: async (id, counts, o) => { clock.advance(3); await inner.publish(id, counts); void o; },
      readOthers: async (id, keys, o) => { clock.advance(3); void o; return inner.readOthers(id, keys); },
    };
    const synced: Array<[number, boolean]> = [];
    const limiter = createFastLimiter({ store: slow, instanceId: 'i-0', clock, syncIntervalMs: SYNC_MS, onSynced: (ms, ok) => synced.push([ms, ok]) });
    await take(limiter, [target(fastRule('timed', [[10, 1_000]]))], clock());
    await limiter.sync();
    inner.failing = true;
    await limiter.sync();
    // The failed sync stopped at its publish: 3 ms, not 6.
    expect(synced).toEqual([[6, true], [3, false]]);
  });

  it('runs one sync at a time', async () => {
    const { limiters } = setup(1);
    const first = limiters[0]!.sync();
    expect(limiters[0]!.sync()).toBe(first);
    await first;
    expect(limiters[0]!.sync()).not.toBe(first);
  });

  it('tracks at most maxPartitions partitions, the least recently used out first, "recently" to the second', async () => {
    const { clock, limiters } = setup(1, 2);
    const [limiter] = limiters;
    const rule = fastRule('bounded', [[1, 60_000]]);
    await take(limiter!, [target(rule, 'a')], clock());
    clock.advance(1_000);
    await take(limiter!, [target(rule, 'b')], clock());
    clock.advance(1_000);
    await take(limiter!, [target(rule, 'a')], clock()); // refused (full), and a moves young
    clock.advance(1_000);
    await take(limiter!, [target(rule, 'c')], clock());
    expect(limiter!.stats()).toMatchObject({ partitions: 2, evictions: 1 });
    // b was pushed out and forgotten; a, used more recently, is still known to be full.
    expect(limiter!.blocked!([target(rule, 'a')], clock())).toBeDefined();
    expect(limiter!.blocked!([target(rule, 'b')], clock())).toBeUndefined();
    // The order is kept to the second: a (last moved 1.2 s ago) moves again, c (0.4 s ago) does
    // not, so c, though used last, is the one a new partition pushes out.
    clock.advance(200);
    await take(limiter!, [target(rule, 'a')], clock());
    clock.advance(200);
    await take(limiter!, [target(rule, 'c')], clock());
    await take(limiter!, [target(rule, 'd')], clock());
    expect(limiter!.stats()).toMatchObject({ partitions: 2, evictions: 2 });
    expect(limiter!.blocked!([target(rule, 'a')], clock())).toBeDefined();
    expect(limiter!.blocked!([target(rule, 'c')], clock())).toBeUndefined();
  });
});
