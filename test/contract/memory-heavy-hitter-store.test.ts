import { createManualClock } from '../../src/clock.js';
import { MemoryHeavyHitterStore } from '../../src/store/memory/memory-heavy-hitter-store.js';
import { heavyHitterStoreContract } from './heavy-hitter-store.contract.js';

heavyHitterStoreContract('MemoryHeavyHitterStore', () => {
  const clock = createManualClock(1_800_000_000_000);
  return { store: new MemoryHeavyHitterStore(clock), elapse: async (ms) => clock.advance(ms) };
});
