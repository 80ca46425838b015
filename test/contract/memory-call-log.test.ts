import { createManualClock } from '../../src/clock.js';
import { MemoryCallLog } from '../../src/store/memory/memory-call-log.js';
import { callLogContract } from './call-log.contract.js';

callLogContract('MemoryCallLog', () => {
  const clock = createManualClock(1_800_000_000_000);
  return {
    log: new MemoryCallLog(clock),
    elapse: async (ms) => clock.advance(ms),
  };
});
