/**
 * A flood on a full concurrent limit or carrier set is refused without a store round trip for
 * SLOT_REFUSAL_MEMORY_MS (or until the earliest slot's lease runs out, if sooner), the slot
 * limiters forget what they knew as soon as this instance gives a slot back, and the memory only
 * ever refuses: every admission is the store's.
 */
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../../src/clock.js';
import { KnownFull } from '../../../src/engine/limiters/known-full.js';
import { createSlotLimiter } from '../../../src/engine/limiters/slot-limiter.js';
import { carrierPartition, createCarrierLimiter } from '../../../src/engine/limiters/carrier-limiter.js';
import { parseRules } from '../../../src/rules/parse-rules.js';
import { countingSlotStore } from '../../support/counting-slot-store.js';

const rule = (limit: unknown) => parseRules('test', { rules: [{ id: 'r', match: { method: 'POST', path: '/v1/x' }, key: 'global', limits: [limit] }] })[0]!;
const T0 = 1_800_000_000_000;
const MEMORY_MS = 100;
const room = { caller: 'room', api: 'r' };

/** A carrier limiter over carriers a and b (one call each), its store counting, its memory exposed. */
function twoCarriers() {
  const store = countingSlotStore();
  const full = new KnownFull(MEMORY_MS);
  const limiter = createCarrierLimiter({ store, timeoutMs: 1_000, full });
  const partition = { caller: 'global', api: 'r' };
  const target = { rule: rule({ kind: 'carriers', carriers: [{ name: 'a', max: 1 }, { name: 'b', max: 1 }], lease: '1h' }), partition };
  return { store, full, limiter, target, carrier: (name: string) => carrierPartition(partition, name) };
}

describe('KnownFull', () => {
  it('remembers a full partition for the memory, then forgets it', () => {
    const clock = createManualClock(T0);
    const full = new KnownFull(MEMORY_MS);
    full.remember(room, 3, clock());
    clock.advance(MEMORY_MS - 1);
    expect(full.held(room, clock())).toBe(3);
    expect(full.held({ caller: 'other', api: 'r' }, clock())).toBeUndefined();
    clock.advance(1);
    expect(full.held(room, clock())).toBeUndefined();
  });

  it('lets one probe ask the store once the memory has passed, refusing the others until it answers', () => {
    const clock = createManualClock(T0);
    const full = new KnownFull(MEMORY_MS);
    full.remember(room, 3, clock());
    clock.advance(MEMORY_MS);
    // A peek (blocked()) does not claim the probe; the first take() does.
    expect(full.held(room, clock())).toBeUndefined();
    expect(full.held(room, clock(), true)).toBeUndefined();
    expect([full.held(room, clock()), full.held(room, clock(), true)]).toEqual([3, 3]);
    // The probe refused: remembered afresh.
    full.remember(room, 3, clock());
    clock.advance(MEMORY_MS - 1);
    expect(full.held(room, clock(), true)).toBe(3);
    // The probe got a slot: forgotten.
    clock.advance(1);
    expect(full.held(room, clock(), true)).toBeUndefined();
    full.forget([room]);
    expect([full.held(room, clock(), true), full.size]).toEqual([undefined, 0]);
  });

  it('drops an entry whose probe never answered, one memory later', () => {
    const clock = createManualClock(T0);
    const full = new KnownFull(MEMORY_MS);
    full.remember(room, 3, clock());
    clock.advance(MEMORY_MS);
    expect(full.held(room, clock(), true)).toBeUndefined();
    clock.advance(MEMORY_MS - 1);
    expect(full.held(room, clock(), true)).toBe(3);
    clock.advance(1);
    expect([full.held(room, clock(), true), full.size]).toEqual([undefined, 0]);
  });

  it('costs one store read per flooded partition per memory when a flood arrives all at once', async () => {
    const store = countingSlotStore();
    const full = new KnownFull(MEMORY_MS);
    const limiter = createSlotLimiter({ store, timeoutMs: 1_000, full });
    const target = { rule: rule({ kind: 'concurrent', max: 1, lease: '1h' }), partition: room };
    await limiter.take({ targets: [target], nowMs: T0, leaseId: 'holder' });
    await limiter.take({ targets: [target], nowMs: T0, leaseId: 'first-refusal' });
    const before = store.acquires;
    // 32 requests at once just after the memory: one probe reaches the store.
    const outcomes = await Promise.all(Array.from({ length: 32 }, (_, i) => limiter.take({ targets: [target], nowMs: T0 + MEMORY_MS, leaseId: `f${i}` })));
    expect(store.acquires - before).toBe(1);
    expect(outcomes.every((o) => !o.admitted)).toBe(true);
  });

  it('forgets sooner when the earliest held lease expires first', () => {
    const clock = createManualClock(T0);
    const full = new KnownFull(MEMORY_MS);
    full.remember(room, 1, clock(), T0 + 40);
    clock.advance(39);
    expect(full.held(room, clock())).toBe(1);
    clock.advance(1);
    expect(full.held(room, clock())).toBeUndefined();
    // A lease that has already run out frees the partition now: nothing to remember.
    full.remember(room, 1, clock(), clock());
    expect(full.held(room, clock())).toBeUndefined();
  });

  it('forgets at once the partitions this instance gives a slot back in, and only those', () => {
    const clock = createManualClock(T0);
    const full = new KnownFull(MEMORY_MS);
    const account = { caller: 'account', api: 'calls' };
    full.remember(room, 1, clock());
    full.remember(account, 2, clock());
    full.forget([{ caller: room.caller, api: room.api }]);
    expect([full.held(room, clock()), full.held(account, clock()), full.size]).toEqual([undefined, 2, 1]);
    full.forget([]);
    expect(full.held(account, clock())).toBe(2);
  });

  it('is forgotten for a partition when a slot of it is released through the limiter, not for another', async () => {
    const store = countingSlotStore();
    const full = new KnownFull(MEMORY_MS);
    const limiter = createSlotLimiter({ store, timeoutMs: 1_000, full });
    const other = { caller: 'other-account', api: 'calls' };
    const targetOf = (partition: typeof room) => ({ rule: rule({ kind: 'concurrent', max: 1, lease: '1h' }), partition });
    const held = await limiter.take({ targets: [targetOf(room)], nowMs: T0, leaseId: 'a' });
    await limiter.take({ targets: [targetOf(other)], nowMs: T0, leaseId: 'b' });
    expect((await limiter.take({ targets: [targetOf(room)], nowMs: T0, leaseId: 'c' })).via).toBe('store');
    expect((await limiter.take({ targets: [targetOf(other)], nowMs: T0, leaseId: 'd' })).via).toBe('store');
    await held.undo!();
    expect([full.held(room, T0), full.held(other, T0)]).toEqual([undefined, 1]);
    expect(await limiter.take({ targets: [targetOf(room)], nowMs: T0, leaseId: 'e' })).toMatchObject({ admitted: true, via: 'store' });
    expect(await limiter.take({ targets: [targetOf(other)], nowMs: T0, leaseId: 'f' })).toMatchObject({ admitted: false, via: 'cache' });
  });

  it('keeps at most maxEntries, the oldest going first', () => {
    const clock = createManualClock(T0);
    const full = new KnownFull(MEMORY_MS, 2);
    const p = (n: number) => ({ caller: `c${n}`, api: 'r' });
    full.remember(p(1), 1, clock());
    full.remember(p(2), 1, clock());
    full.remember(p(1), 1, clock()); // found full again: now the newest
    full.remember(p(3), 1, clock());
    expect([1, 2, 3].map((n) => full.held(p(n), clock()))).toEqual([1, undefined, 1]);
    expect(full.size).toBe(2);
  });

  it('remembers nothing with a memory of 0', () => {
    const full = new KnownFull(0);
    full.remember(room, 1, T0, T0 + 3_600_000);
    expect([full.held(room, T0), full.size]).toEqual([undefined, 0]);
  });
});

describe('slot limiters with a known-full memory', () => {
  it('refuses a full concurrent limit again from memory, without an acquire, then asks the store', async () => {
    const clock = createManualClock(T0);
    const store = countingSlotStore();
    const limiter = createSlotLimiter({ store, timeoutMs: 1_000, full: new KnownFull(MEMORY_MS) });
    const target = { rule: rule({ kind: 'concurrent', max: 1, lease: '1h' }), partition: room };
    expect((await limiter.take({ targets: [target], nowMs: clock(), leaseId: 'a' })).admitted).toBe(true);
    expect(await limiter.take({ targets: [target], nowMs: clock(), leaseId: 'b' })).toMatchObject({ admitted: false, via: 'store' });
    expect(store.acquires).toBe(2);
    clock.advance(MEMORY_MS - 1);
    expect(await limiter.take({ targets: [target], nowMs: clock(), leaseId: 'c' })).toMatchObject({ admitted: false, via: 'cache', decisions: [{ allowed: false, limit: 1, remaining: 0, retryAfterMs: 1_000 }] });
    expect(limiter.blocked!([target], clock())).toMatchObject({ admitted: false, via: 'cache' });
    expect(store.acquires).toBe(2);
    clock.advance(1);
    expect(await limiter.take({ targets: [target], nowMs: clock(), leaseId: 'd' })).toMatchObject({ admitted: false, via: 'store' });
    expect(store.acquires).toBe(3);
  });

  it('forgets a full partition when an admission is given back (undo)', async () => {
    const store = countingSlotStore();
    const limiter = createSlotLimiter({ store, timeoutMs: 1_000, full: new KnownFull(MEMORY_MS) });
    const target = { rule: rule({ kind: 'concurrent', max: 1, lease: '1h' }), partition: room };
    const first = await limiter.take({ targets: [target], nowMs: T0, leaseId: 'a' });
    expect((await limiter.take({ targets: [target], nowMs: T0, leaseId: 'b' })).admitted).toBe(false);
    await first.undo!();
    expect(await limiter.take({ targets: [target], nowMs: T0 + 1, leaseId: 'c' })).toMatchObject({ admitted: true, via: 'store' });
  });

  it('never admits past max, whatever the memory forgets or remembers', async () => {
    const clock = createManualClock(T0);
    const store = countingSlotStore();
    const full = new KnownFull(MEMORY_MS);
    const limiter = createSlotLimiter({ store, timeoutMs: 1_000, full });
    const target = { rule: rule({ kind: 'concurrent', max: 2, lease: '1h' }), partition: room };
    const live: string[] = [];
    const vias = new Set<string>();
    for (let i = 0; i < 60; i++) {
      if (i % 7 === 0) full.forget([room]);
      // A call ends on another instance: the store frees a slot, nothing here is cleared.
      if (i % 10 === 9) await store.release(live.shift()!, { timeoutMs: 1_000 });
      clock.advance(i % 3 === 0 ? MEMORY_MS : 10);
      const outcome = await limiter.take({ targets: [target], nowMs: clock(), leaseId: `l${i}` });
      vias.add(`${outcome.admitted ? 'admitted' : 'refused'} by ${outcome.via}`);
      if (outcome.admitted) live.push(`l${i}`);
      expect(await store.held(room, clock(), { timeoutMs: 1_000 })).toBe(live.length);
      expect(live.length).toBeLessThanOrEqual(2);
    }
    expect([...vias].sort()).toEqual(['admitted by store', 'refused by cache', 'refused by store']);
  });

  it('refuses a carrier set from memory only when every carrier was found full', async () => {
    const { store, limiter, target } = twoCarriers();
    expect((await limiter.take({ targets: [target], nowMs: T0, leaseId: 'x' })).decisions[0]!.carrier).toBe('a');
    expect(limiter.blocked!([target], T0)).toBeUndefined();
    expect((await limiter.take({ targets: [target], nowMs: T0, leaseId: 'y' })).decisions[0]!.carrier).toBe('b');
    expect(await limiter.take({ targets: [target], nowMs: T0, leaseId: 'z' })).toMatchObject({ admitted: false, via: 'store', decisions: [{ limit: 2, remaining: 0 }] });
    const acquires = store.acquires;
    expect(await limiter.take({ targets: [target], nowMs: T0 + MEMORY_MS - 1, leaseId: 'w' })).toMatchObject({ admitted: false, via: 'cache', decisions: [{ limit: 2 }] });
    expect(store.acquires).toBe(acquires);
    expect((await limiter.take({ targets: [target], nowMs: T0 + MEMORY_MS, leaseId: 'v' })).via).toBe('store');
  });

  it('claims no later carrier\'s probe when an earlier carrier may have room', async () => {
    const { store, full, limiter, target, carrier } = twoCarriers();
    // Both carriers were found full, and both memories have passed: carrier a is probed first.
    full.remember(carrier('a'), 1, T0);
    full.remember(carrier('b'), 1, T0);
    const outcome = await limiter.take({ targets: [target], nowMs: T0 + MEMORY_MS, leaseId: 'x' });
    expect([outcome.admitted, outcome.decisions[0]!.carrier, store.acquires]).toEqual([true, 'a', 1]);
    // Carrier b was never asked: its probe is still free, so the next request is not refused on b's account.
    expect(full.held(carrier('b'), T0 + MEMORY_MS, true)).toBeUndefined();
    expect(full.held(carrier('b'), T0 + MEMORY_MS)).toBe(1);
  });

  it('asks the store only about carriers whose memory has passed, and releases nothing when it took nothing', async () => {
    const { store, full, limiter, target, carrier } = twoCarriers();
    await limiter.take({ targets: [target], nowMs: T0, leaseId: 'x' });
    await limiter.take({ targets: [target], nowMs: T0, leaseId: 'y' });
    // Both full now; b is found full again later, so its memory outlasts a's.
    full.remember(carrier('a'), 1, T0);
    full.remember(carrier('b'), 1, T0 + 50);
    const [acquires, releases] = [store.acquires, store.releases];
    // a's memory has passed, b's has not: one acquire (a's probe), no release for a refusal that took nothing.
    expect(await limiter.take({ targets: [target], nowMs: T0 + MEMORY_MS, leaseId: 'z' })).toMatchObject({ admitted: false, via: 'store', decisions: [{ limit: 2, remaining: 0 }] });
    expect([store.acquires - acquires, store.releases - releases]).toEqual([1, 0]);
    // A slot freed on b is seen once b's memory passes.
    await store.release('y', { timeoutMs: 1_000 });
    expect((await limiter.take({ targets: [target], nowMs: T0 + 50 + MEMORY_MS, leaseId: 'w' })).decisions[0]!.carrier).toBe('b');
  });

  it('releases nothing when a concurrent limit refuses a request that took no slot, and gives back what it took when a later one refuses', async () => {
    const store = countingSlotStore();
    // No memory: every refusal here is the store's.
    const limiter = createSlotLimiter({ store, timeoutMs: 1_000, full: new KnownFull(0) });
    const account = { rule: rule({ kind: 'concurrent', max: 5, lease: '1h' }), partition: { caller: 'acct', api: 'r' } };
    const device = { rule: rule({ kind: 'concurrent', max: 1, lease: '1h' }), partition: { caller: 'dev', api: 'r2' } };
    await limiter.take({ targets: [device], nowMs: T0, leaseId: 'holder' });
    expect(await limiter.take({ targets: [device], nowMs: T0, leaseId: 'a' })).toMatchObject({ admitted: false, via: 'store' });
    expect(store.releases).toBe(0);
    // The account's slot is taken, then the device refuses: the account's slot goes back.
    expect(await limiter.take({ targets: [account, device], nowMs: T0 + 1, leaseId: 'b' })).toMatchObject({ admitted: false });
    expect(store.releases).toBe(1);
    expect(await store.held(account.partition, T0 + 1, { timeoutMs: 1_000 })).toBe(0);
  });
});
