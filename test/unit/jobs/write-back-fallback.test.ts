import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../../src/clock.js';
import { writeBackFallback } from '../../../src/jobs/write-back-fallback.js';
import { MemoryCallLog } from '../../../src/store/memory/memory-call-log.js';

const T0 = 1_800_000_000_000;
const silent = pino({ level: 'silent' });

describe('writeBackFallback', () => {
  it('answers what it handed to the store (for tollgate_fallback_written_back_total)', async () => {
    const clock = createManualClock(T0);
    const local = new MemoryCallLog(clock);
    const store = new MemoryCallLog(clock);
    local.appendNow({ caller: 'k', api: 'r' }, T0 - 1_000, 3_600);
    local.appendNow({ caller: 'j', api: 'r' }, T0 - 500, 3_600);
    expect(await writeBackFallback(local, store, clock, silent)).toEqual({ written: 2, left: 0 });
    expect((await store.read({ caller: 'k', api: 'r' }, 0, 5, { timeoutMs: 100 })).callsMs).toEqual([T0 - 1_000]);
  });

  it('answers 0 written when there is nothing to hand over', async () => {
    const clock = createManualClock(T0);
    expect(await writeBackFallback(new MemoryCallLog(clock), new MemoryCallLog(clock), clock, silent)).toEqual({ written: 0, left: 0 });
  });
});
