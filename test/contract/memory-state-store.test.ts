import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { MemoryStateStore } from '../../src/store/memory/memory-state-store.js';
import { stateStoreContract } from './state-store.contract.js';

const T0 = 1_800_000_000_000;

stateStoreContract('MemoryStateStore', () => {
  const clock = createManualClock(T0);
  return {
    store: new MemoryStateStore(clock),
    elapse: async (ms) => clock.advance(ms),
  };
});

describe('MemoryStateStore.prune', () => {
  it('drops the rows expired at the time given and keeps the others', async () => {
    const clock = createManualClock(T0);
    const store = new MemoryStateStore(clock);
    const opts = { timeoutMs: 1_000 };
    await store.write({ caller: 'a', api: 'r' }, 0, 'a', 10, opts);
    await store.write({ caller: 'b', api: 'r' }, 0, 'b', 60, opts);
    expect(store.prune(T0 + 9_999)).toBe(0);
    expect(store.prune(T0 + 10_000)).toBe(1);
    expect(store.size).toBe(1);
    expect(store.readNow({ caller: 'b', api: 'r' })).toEqual({ version: 1, state: 'b' });
  });

  it('rounds a TTL up to whole seconds, as Cassandra keeps it', async () => {
    const clock = createManualClock(T0);
    const store = new MemoryStateStore(clock);
    await store.write({ caller: 'a', api: 'r' }, 0, 'a', 1.2, { timeoutMs: 1_000 });
    clock.advance(1_500);
    expect(store.readNow({ caller: 'a', api: 'r' })).toEqual({ version: 1, state: 'a' });
    clock.advance(500);
    expect(store.readNow({ caller: 'a', api: 'r' })).toEqual({ version: 0, state: undefined });
  });
});
