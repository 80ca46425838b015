import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../../src/clock.js';
import { MemoryCallLog } from '../../../src/store/memory/memory-call-log.js';

describe('MemoryCallLog.prune', () => {
  it('drops partitions whose TTL has passed and keeps the others', async () => {
    const clock = createManualClock(0);
    const log = new MemoryCallLog(clock);
    await log.append({ caller: 'short', api: 'r' }, 0, 0, 10, { timeoutMs: 1 });
    await log.append({ caller: 'long', api: 'r' }, 0, 0, 100, { timeoutMs: 1 });
    expect(log.size).toBe(2);
    clock.advance(10_000);
    expect(log.prune()).toBe(1);
    expect(log.size).toBe(1);
    expect((await log.read({ caller: 'long', api: 'r' }, -1, 10, { timeoutMs: 1 })).callsMs).toEqual([0]);
  });
});
