import { MemorySlotStore } from '../../src/store/memory/memory-slot-store.js';
import { slotStoreContract } from './slot-store.contract.js';

slotStoreContract('MemorySlotStore', () => {
  let nowMs = 1_800_000_000_000;
  return {
    store: new MemorySlotStore(),
    now: () => nowMs,
    elapse: async (ms) => {
      nowMs += ms;
    },
  };
});
