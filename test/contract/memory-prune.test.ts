import { createManualClock } from '../../src/clock.js';
import { MemoryCallLog } from '../../src/store/memory/memory-call-log.js';
import { MemoryCallLogMaintenance } from '../../src/store/memory/memory-call-log-maintenance.js';
import { pruneContract } from './prune.contract.js';

pruneContract('the memory store', async () => {
  const clock = createManualClock(1_800_000_000_000);
  const log = new MemoryCallLog(clock);
  return { log, maintenance: new MemoryCallLogMaintenance(log), clock };
});
