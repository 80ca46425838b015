/**
 * A flood on a full concurrent limit or carrier set is refused without a store round trip for one
 * Retry-After, and the slot limiters forget what they knew as soon as this instance gives a slot back.
 */
import { describe, expect, it } from 'vitest';
import { KnownFull } from '../../../src/engine/limiters/known-full.js';
import { createSlotLimiter } from '../../../src/engine/limiters/slot-limiter.js';
import { createCarrierLimiter } from '../../../src/engine/limiters/carrier-limiter.js';
import { MemorySlotStore } from '../../../src/store/memory/memory-slot-store.js';
import { parseRules } from '../../../src/rules/parse-rules.js';
import type { SlotStore } from '../../../src/engine/slot-store.js';

/** Counts the acquires that reach the store. */
function countingStore(): SlotStore & { acquires: number } {
  const inner = new MemorySlotStore();
  const store = {
    acquires: 0,
    acquire: (...args: Parameters<SlotStore['acquire']>) => {
      store.acquires++;
      return inner.acquire(...args);
    },
    release: (...args: Parameters<SlotStore['release']>) => inner.release(...args),
    held: (...args: Parameters<SlotStore['held']>) => inner.held(...args),
  };
  return store;
}

const rule = (limit: unknown) => parseRules('test', { rules: [{ id: 'r', match: { method: 'POST', path: '/v1/x' }, key: 'global', limits: [limit] }] })[0]!;
const T0 = 1_800_000_000_000;

describe('slot partitions known full', () => {
  it('refuses a full concurrent limit again from memory for one Retry-After, then asks the store', async () => {
    const store = countingStore();
    const full = new KnownFull(1_000);
    const limiter = createSlotLimiter({ store, timeoutMs: 1_000, full });
    const target = { rule: rule({ kind: 'concurrent', max: 1, lease: '1h' }), partition: { caller: 'c', api: 'r' } };
    expect((await limiter.take({ targets: [target], nowMs: T0, leaseId: 'a' })).admitted).toBe(true);
    expect(await limiter.take({ targets: [target], nowMs: T0, leaseId: 'b' })).toMatchObject({ admitted: false, via: 'store' });
    expect(store.acquires).toBe(2);
    expect(await limiter.take({ targets: [target], nowMs: T0 + 999, leaseId: 'c' })).toMatchObject({ admitted: false, via: 'cache', decisions: [{ allowed: false, limit: 1, remaining: 0 }] });
    expect(limiter.blocked!([target], T0 + 999)).toMatchObject({ admitted: false, via: 'cache' });
    expect(store.acquires).toBe(2);
    expect((await limiter.take({ targets: [target], nowMs: T0 + 1_000, leaseId: 'd' })).via).toBe('store');
    expect(store.acquires).toBe(3);
  });

  it('forgets every full partition once this instance gives a slot back', async () => {
    const store = countingStore();
    const full = new KnownFull(1_000);
    const limiter = createSlotLimiter({ store, timeoutMs: 1_000, full });
    const target = { rule: rule({ kind: 'concurrent', max: 1, lease: '1h' }), partition: { caller: 'c', api: 'r' } };
    await limiter.take({ targets: [target], nowMs: T0, leaseId: 'a' });
    await limiter.take({ targets: [target], nowMs: T0, leaseId: 'b' });
    await store.release('a', { timeoutMs: 1_000 });
    full.clear();
    expect((await limiter.take({ targets: [target], nowMs: T0 + 1, leaseId: 'c' })).admitted).toBe(true);
  });

  it('refuses a carrier set from memory only when every carrier was found full', async () => {
    const store = countingStore();
    const full = new KnownFull(1_000);
    const limiter = createCarrierLimiter({ store, timeoutMs: 1_000, full });
    const target = { rule: rule({ kind: 'carriers', carriers: [{ name: 'a', max: 1 }, { name: 'b', max: 1 }], lease: '1h' }), partition: { caller: 'global', api: 'r' } };
    expect((await limiter.take({ targets: [target], nowMs: T0, leaseId: 'x' })).decisions[0]!.carrier).toBe('a');
    expect(limiter.blocked!([target], T0)).toBeUndefined();
    expect((await limiter.take({ targets: [target], nowMs: T0, leaseId: 'y' })).decisions[0]!.carrier).toBe('b');
    expect(await limiter.take({ targets: [target], nowMs: T0, leaseId: 'z' })).toMatchObject({ admitted: false, via: 'store', decisions: [{ limit: 2, remaining: 0 }] });
    const acquires = store.acquires;
    expect(await limiter.take({ targets: [target], nowMs: T0 + 500, leaseId: 'w' })).toMatchObject({ admitted: false, via: 'cache', decisions: [{ limit: 2 }] });
    expect(store.acquires).toBe(acquires);
  });
});
