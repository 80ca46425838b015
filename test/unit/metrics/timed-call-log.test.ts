import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../../src/clock.js';
import type { CallLog } from '../../../src/engine/call-log.js';
import { TimedCallLog, type StoreOperation, type StoreOperationOutcome } from '../../../src/metrics/timed-call-log.js';
import { MemoryCallLog } from '../../../src/store/memory/memory-call-log.js';
import { FaultyCallLog } from '../../support/faulty-call-log.js';

const p = { caller: 'k', api: 'r' };
const options = { timeoutMs: 1_000 };

function timed(inner: CallLog) {
  const seen: Array<[StoreOperation, StoreOperationOutcome]> = [];
  const durations: number[] = [];
  const log = new TimedCallLog(inner, (operation, outcome, seconds) => {
    seen.push([operation, outcome]);
    durations.push(seconds);
  });
  return { log, seen, durations };
}

describe('TimedCallLog', () => {
  it('passes every operation through and tells each one, ok', async () => {
    const { log, seen, durations } = timed(new MemoryCallLog(createManualClock(0)));
    const appended = await log.append(p, 0, 1_000, 60, options);
    expect(appended.applied).toBe(true);
    expect(await log.read(p, 0, 10, options)).toEqual({ version: 1, callsMs: [1_000] });
    expect((await log.appendMany(p, 1, [2_000, 3_000], 60, options)).applied).toBe(true);
    await log.remove(p, (appended as { callId: string }).callId, 60, options);
    await log.reset(p, 5_000, 60, options);
    expect(seen).toEqual([['append', 'ok'], ['read', 'ok'], ['append_many', 'ok'], ['remove', 'ok'], ['reset', 'ok']]);
    expect(durations.every((s) => s >= 0 && s < 10)).toBe(true);
  });

  it('counts a compare-and-set that did not apply as an answer (ok)', async () => {
    const { log, seen } = timed(new MemoryCallLog(createManualClock(0)));
    expect(await log.append(p, 7, 1_000, 60, options)).toEqual({ applied: false });
    expect(seen).toEqual([['append', 'ok']]);
  });

  it('tells a failure as error and still rejects with it', async () => {
    const faulty = new FaultyCallLog(new MemoryCallLog(createManualClock(0)));
    faulty.fault = 'fail';
    const { log, seen } = timed(faulty);
    await expect(log.read(p, 0, 10, options)).rejects.toThrow('store unavailable');
    await expect(log.append(p, 0, 1, 60, options)).rejects.toThrow('store unavailable');
    expect(seen).toEqual([['read', 'error'], ['append', 'error']]);
  });

  it('tells a store that throws before returning a promise as error, and throws as it did', () => {
    const throwing = { read: () => { throw new Error('no connection'); } } as unknown as CallLog;
    const { log, seen } = timed(throwing);
    expect(() => log.read(p, 0, 10, options)).toThrow('no connection');
    expect(seen).toEqual([['read', 'error']]);
  });
});
