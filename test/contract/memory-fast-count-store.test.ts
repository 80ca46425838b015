import { expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { MemoryFastCountStore } from '../../src/store/memory/memory-fast-count-store.js';
import { fastCountStoreContract } from './fast-count-store.contract.js';

fastCountStoreContract('MemoryFastCountStore', () => {
  const clock = createManualClock(1_800_000_000_000);
  // One store shared by the instances of one process: the same object is both handles.
  const store = new MemoryFastCountStore(clock, 1);
  return {
    stores: [store, store],
    elapse: async (ms) => clock.advance(ms),
  };
});

it('MemoryFastCountStore.prune drops expired rows and empty windows (what the TTL does)', async () => {
  const clock = createManualClock(0);
  const store = new MemoryFastCountStore(clock);
  const partition = { caller: 'c', api: 'r' };
  await store.publish('i-1', [{ partition, windowMs: 1_000, windowStart: 0, count: 1 }], { timeoutMs: 1 });
  clock.advance(30_000);
  await store.publish('i-2', [{ partition, windowMs: 1_000, windowStart: 0, count: 2 }], { timeoutMs: 1 });
  // Default margin 60 s: the first row lives 61 s after its write, the second 61 s after its own.
  expect(store.prune(61_000)).toBe(1);
  expect(store.size).toBe(1);
  expect(store.prune(91_000)).toBe(1);
  expect(store.size).toBe(0);
});
