import { describe, expect, it, vi } from 'vitest';
import { createManualClock } from '../../../src/clock.js';
import type { PartitionKey, StoreCallOptions } from '../../../src/engine/call-log.js';
import { createStateLimiter } from '../../../src/engine/limiters/state-limiter.js';
import type { LimiterRequest } from '../../../src/engine/limiter.js';
import type { StateStore, VersionedState } from '../../../src/engine/state-store.js';
import type { Target } from '../../../src/engine/admit.js';
import type { OnStoreError } from '../../../src/rules/rule.js';
import { MemoryStateStore } from '../../../src/store/memory/memory-state-store.js';
import { countingRule, countingSpec, countingTarget } from '../../support/counting-spec.js';

const T0 = 1_800_000_000_000;
const request = (targets: Target[], nowMs = T0): LimiterRequest => ({ targets, nowMs, leaseId: 'lease' });
const used = (store: MemoryStateStore, partition: PartitionKey) => {
  const { state } = store.readNow(partition);
  return state === undefined ? 0 : (JSON.parse(state) as { used: number }).used;
};

/** The shared store seen through hooks: count calls, fail them, or run something before a write. */
class ScriptedStore implements StateStore {
  reads = 0;
  writes = 0;
  /** Every read and write from now on: answers, throws, or never answers. */
  fail: 'never' | 'throw' | 'hang' = 'never';
  beforeWrite?: (partition: PartitionKey, expectedVersion: number) => Promise<void> | void;

  constructor(readonly inner: MemoryStateStore) {}

  async read(partition: PartitionKey, options: StoreCallOptions): Promise<VersionedState> {
    this.reads++;
    await this.failing();
    return this.inner.read(partition, options);
  }

  async write(partition: PartitionKey, expectedVersion: number, state: string, ttlSeconds: number, options: StoreCallOptions): Promise<boolean> {
    this.writes++;
    await this.failing();
    await this.beforeWrite?.(partition, expectedVersion);
    return this.inner.write(partition, expectedVersion, state, ttlSeconds, options);
  }

  private async failing(): Promise<void> {
    if (this.fail === 'throw') throw new Error('store unreachable');
    if (this.fail === 'hang') await new Promise(() => {});
  }
}

function setup(max = 5, deadlineMs = 200) {
  const clock = createManualClock(T0);
  const shared = new MemoryStateStore(clock);
  const store = new ScriptedStore(shared);
  const errors: unknown[] = [];
  const limiter = createStateLimiter({ spec: countingSpec(max), store, deadlineMs, onStoreError: (e) => errors.push(e) });
  return { clock, shared, store, errors, limiter };
}

describe('createStateLimiter, store path', () => {
  it('admits exactly the limit out of 50 simultaneous takes on one partition', async () => {
    const { limiter, shared } = setup(5);
    const target = countingTarget(countingRule('r'), 'k');
    const outcomes = await Promise.all(Array.from({ length: 50 }, () => limiter.take(request([target]))));
    expect(outcomes.filter((o) => o.admitted)).toHaveLength(5);
    expect(outcomes.every((o) => o.via === 'store')).toBe(true);
    expect(outcomes.filter((o) => !o.admitted).every((o) => o.decisions[0]!.remaining === 0)).toBe(true);
    expect(used(shared, target.partition)).toBe(5);
  });

  it('holds the limit across two instances on one store (lost compare-and-sets are decided again)', async () => {
    const { shared } = setup();
    const make = () => createStateLimiter({ spec: countingSpec(7), store: shared, deadlineMs: 1_000 });
    const [a, b] = [make(), make()];
    const target = countingTarget(countingRule('r'), 'k');
    const outcomes = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).take(request([target]))));
    expect(outcomes.filter((o) => o.admitted)).toHaveLength(7);
    expect(used(shared, target.partition)).toBe(7);
  });

  it('reads again and decides again when a write loses once', async () => {
    const { limiter, shared, store } = setup(5);
    const target = countingTarget(countingRule('r'), 'k');
    await limiter.take(request([target]));
    // Another instance takes one between this instance's decision and its write.
    let raced = false;
    store.beforeWrite = async (partition, version) => {
      if (raced) return;
      raced = true;
      await shared.write(partition, version, JSON.stringify({ used: 2 }), 3_600);
    };
    const readsBefore = store.reads;
    const outcome = await limiter.take(request([target]));
    expect(outcome.admitted).toBe(true);
    expect(outcome.decisions[0]!.remaining).toBe(2);
    expect(store.reads).toBe(readsBefore + 1);
    expect(used(shared, target.partition)).toBe(3);
  });

  it('never writes over a row that expired and started again from its cached version', async () => {
    const { limiter, shared, clock } = setup(5);
    const target = countingTarget(countingRule('r'), 'k');
    await limiter.take(request([target]));
    clock.advance(3_600_000); // the row's TTL (countingSpec: an hour)
    await shared.write(target.partition, 0, JSON.stringify({ used: 5 }), 3_600); // another instance, version 1 again
    const outcome = await limiter.take(request([target], clock()));
    expect(outcome.admitted).toBe(false);
    expect(shared.readNow(target.partition)).toEqual({ version: 1, state: JSON.stringify({ used: 5 }) });
  });

  it('refuses from a state seen within the last second without a read, then reads again: a give-back by another instance is seen', async () => {
    const { limiter, shared, store } = setup(2);
    const target = countingTarget(countingRule('r'), 'k');
    await limiter.take(request([target]));
    await limiter.take(request([target]));
    await shared.write(target.partition, 2, JSON.stringify({ used: 1 }), 3_600);
    const reads = store.reads;
    expect(await limiter.take(request([target], T0 + 999))).toMatchObject({ admitted: false, via: 'cache' });
    expect(store.reads).toBe(reads);
    const outcome = await limiter.take(request([target], T0 + 1_000));
    expect(outcome.admitted).toBe(true);
    expect(used(shared, target.partition)).toBe(2);
  });
});

describe('createStateLimiter, all or nothing across targets', () => {
  it('refuses without consuming anything when the second target refuses', async () => {
    const { limiter, shared } = setup();
    const spec = countingSpec((t) => (t.rule.id === 'tight' ? 1 : 5));
    const both = createStateLimiter({ spec, store: shared, deadlineMs: 200 });
    const wide = countingTarget(countingRule('wide'), 'k');
    const tight = countingTarget(countingRule('tight'), 'k');
    expect((await both.take(request([wide, tight]))).admitted).toBe(true);
    const refused = await both.take(request([wide, tight]));
    expect(refused.admitted).toBe(false);
    expect(refused.decisions.filter((d) => !d.allowed).map((d) => d.rule.id)).toEqual(['tight']);
    expect(used(shared, wide.partition)).toBe(1);
    expect(limiter.kind).toBe('bucket');
    expect(both.kind).toBe('bucket');
  });

  it('gives back a target already written when another one then refuses', async () => {
    const { store, shared } = setup();
    const spec = countingSpec((t) => (t.rule.id === 'tight' ? 1 : 5));
    const limiter = createStateLimiter({ spec, store, deadlineMs: 200 });
    const wide = countingTarget(countingRule('wide'), 'k');
    const tight = countingTarget(countingRule('tight'), 'k');
    // Another instance takes the tight rule's only slot while this decision writes.
    store.beforeWrite = (partition, version) => {
      if (partition.api === 'tight' && version === 0) void shared.write(partition, 0, JSON.stringify({ used: 1 }), 3_600);
    };
    const outcome = await limiter.take(request([wide, tight]));
    expect(outcome.admitted).toBe(false);
    expect(outcome.decisions.find((d) => d.rule.id === 'tight')!.allowed).toBe(false);
    expect(shared.readNow(wide.partition).version).toBe(2);
    expect(used(shared, wide.partition)).toBe(0);
  });

  it('undo gives back every target once, however often it is called', async () => {
    const { limiter, shared } = setup(5);
    const a = countingTarget(countingRule('a'), 'k');
    const b = countingTarget(countingRule('b'), 'k', 3);
    await limiter.take(request([a]));
    const outcome = await limiter.take(request([a, b]));
    expect(outcome.admitted).toBe(true);
    expect([used(shared, a.partition), used(shared, b.partition)]).toEqual([2, 3]);
    await Promise.all([outcome.undo!(), outcome.undo!()]);
    await outcome.undo!();
    expect([used(shared, a.partition), used(shared, b.partition)]).toEqual([1, 0]);
  });
});

describe('createStateLimiter.blocked', () => {
  it('denies from a state it saw less than a second ago, counting nothing, and then no longer', async () => {
    const { limiter, store } = setup(2);
    const target = countingTarget(countingRule('r'), 'k');
    expect(limiter.blocked!([target], T0)).toBeUndefined();
    await limiter.take(request([target]));
    expect(limiter.blocked!([target], T0)).toBeUndefined();
    await limiter.take(request([target]));
    const calls = store.reads + store.writes;
    const blocked = limiter.blocked!([target], T0 + 999);
    expect(blocked).toMatchObject({ admitted: false, via: 'cache' });
    expect(blocked!.decisions.map((d) => d.allowed)).toEqual([false]);
    expect(store.reads + store.writes).toBe(calls);
    expect(limiter.blocked!([target], T0 + 1_000)).toBeUndefined();
  });
});

describe('createStateLimiter when the store fails', () => {
  const failing = async (onStoreError: OnStoreError, fail: ScriptedStore['fail'] = 'throw', deadlineMs = 200) => {
    const { limiter, store, errors, shared } = setup(3, deadlineMs);
    const target = countingTarget(countingRule('r', onStoreError), 'k');
    expect((await limiter.take(request([target]))).via).toBe('store');
    store.fail = fail;
    return { limiter, target, errors, shared };
  };

  it("'deny': refuses as unavailable and reports the error", async () => {
    const { limiter, target, errors } = await failing('deny');
    expect(await limiter.take(request([target]))).toEqual({ admitted: false, unavailable: true, decisions: [], via: 'deny' });
    expect(errors).toHaveLength(1);
  });

  it("'local' and 'allow': decide on what this instance knows and record the admission there", async () => {
    for (const onStoreError of ['local', 'allow'] as const) {
      const { limiter, target, errors } = await failing(onStoreError);
      const outcomes = await Promise.all([1, 2, 3].map(() => limiter.take(request([target]))));
      expect(outcomes.map((o) => [o.via, o.admitted])).toEqual([['local', true], ['local', true], ['local', false]]);
      expect(errors).toHaveLength(3);
    }
  });

  it("'local': undo gives the admission back on this instance", async () => {
    const { limiter, target } = await failing('local');
    const first = await limiter.take(request([target]));
    await first.undo!();
    expect((await limiter.take(request([target]))).admitted).toBe(true);
    expect((await limiter.take(request([target]))).admitted).toBe(true);
    expect((await limiter.take(request([target]))).admitted).toBe(false);
  });

  it("refuses as unavailable when any target's rule says 'deny'", async () => {
    const { limiter, store } = setup(3);
    store.fail = 'throw';
    const targets = [countingTarget(countingRule('a', 'local'), 'k'), countingTarget(countingRule('b', 'deny'), 'k')];
    expect(await limiter.take(request(targets))).toMatchObject({ admitted: false, unavailable: true, via: 'deny' });
  });

  it('falls back at the deadline when the store hangs', async () => {
    const { limiter, target, errors } = await failing('deny', 'hang', 20);
    expect(await limiter.take(request([target]))).toMatchObject({ admitted: false, via: 'deny' });
    expect(String(errors[0])).toMatch(/deadline/);
  });

  it('gives back what an abandoned decision wrote once its work ends', async () => {
    const { store, shared, errors } = setup(5, 30);
    const limiter = createStateLimiter({ spec: countingSpec(5), store, deadlineMs: 30, onStoreError: (e) => errors.push(e) });
    const a = countingTarget(countingRule('a', 'deny'), 'k');
    const b = countingTarget(countingRule('b', 'deny'), 'k');
    let land!: () => void;
    const slow = new Promise<void>((resolve) => (land = resolve));
    store.beforeWrite = (partition) => (partition.api === 'b' ? slow : undefined);
    expect(await limiter.take(request([a, b]))).toMatchObject({ admitted: false, via: 'deny' });
    store.beforeWrite = undefined;
    land(); // b's write now lands after all, after the deadline
    await vi.waitFor(() => expect([used(shared, a.partition), used(shared, b.partition)]).toEqual([0, 0]));
    expect(shared.readNow(b.partition).version).toBe(2);
  });

  it('gives back a write that lands after another write of the same decision failed', async () => {
    const { store, shared, errors } = setup(5);
    const limiter = createStateLimiter({ spec: countingSpec(5), store, deadlineMs: 1_000, onStoreError: (e) => errors.push(e) });
    const a = countingTarget(countingRule('a', 'deny'), 'k');
    const b = countingTarget(countingRule('b', 'deny'), 'k');
    store.beforeWrite = async (partition) => {
      if (partition.api === 'a') throw new Error('a: write failed');
      await new Promise((resolve) => setTimeout(resolve, 20));
    };
    expect(await limiter.take(request([a, b]))).toMatchObject({ admitted: false, unavailable: true });
    store.beforeWrite = undefined;
    await vi.waitFor(() => expect(shared.readNow(b.partition).version).toBe(2));
    expect(used(shared, b.partition)).toBe(0);
    expect(String(errors[0])).toMatch(/a: write failed/);
  });
});
