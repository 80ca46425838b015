/**
 * A memory SlotStore that counts the acquires reaching it: how the tests see that a refusal was
 * answered without a store round trip (each acquire is a quorum read or more on Cassandra).
 */
import type { SlotStore } from '../../src/engine/slot-store.js';
import { MemorySlotStore } from '../../src/store/memory/memory-slot-store.js';

export interface CountingSlotStore extends SlotStore {
  acquires: number;
}

export function countingSlotStore(inner: SlotStore = new MemorySlotStore()): CountingSlotStore {
  const store: CountingSlotStore = {
    acquires: 0,
    acquire: (...args) => {
      store.acquires++;
      return inner.acquire(...args);
    },
    release: (...args) => inner.release(...args),
    held: (...args) => inner.held(...args),
  };
  return store;
}
