/**
 * A memory SlotStore that counts the acquires and releases reaching it: how the tests see that a refusal was
 * answered without a store round trip (each acquire is a quorum read or more on Cassandra).
 */
import type { SlotStore } from '../../src/engine/slot-store.js';
import { MemorySlotStore } from '../../src/store/memory/memory-slot-store.js';

export interface CountingSlotStore extends SlotStore {
  acquires: number;
  /** Releases asked of the store (a lease lookup on Cassandra, whether or not it holds anything). */
  releases: number;
}

export function countingSlotStore(inner: SlotStore = new MemorySlotStore()): CountingSlotStore {
  const store: CountingSlotStore = {
    acquires: 0,
    releases: 0,
    acquire: (...args) => {
      store.acquires++;
      return inner.acquire(...args);
    },
    release: (...args) => {
      store.releases++;
      return inner.release(...args);
    },
    held: (...args) => inner.held(...args),
  };
  return store;
}
