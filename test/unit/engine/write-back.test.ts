import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../../src/clock.js';
import { createThrottle } from '../../../src/engine/throttle.js';
import { writeBack } from '../../../src/engine/write-back.js';
import { MemoryCallLog } from '../../../src/store/memory/memory-call-log.js';
import { FaultyCallLog } from '../../support/faulty-call-log.js';
import { testRule } from '../../support/rules.js';

const T0 = 1_800_000_000_000;

function outage() {
  const clock = createManualClock(T0);
  const shared = new MemoryCallLog(clock);
  const store = new FaultyCallLog(shared);
  const local = new MemoryCallLog(clock);
  const throttle = createThrottle({ store, local, clock, deadlineMs: 50 });
  return { clock, shared, store, local, throttle };
}

describe('writeBack', () => {
  it('hands the calls the local fallback admitted to the store, keeping their times, and the limit holds after', async () => {
    const { clock, shared, store, local, throttle } = outage();
    const rule = testRule('r', [[3, '1h']]);
    const target = { rule, partition: { caller: 'k', api: 'r' } };
    store.fault = 'fail';
    expect((await throttle.check([target])).via).toBe('local');
    clock.advance(1_000);
    expect((await throttle.check([target])).admitted).toBe(true);
    store.fault = 'none';
    clock.advance(1_000);

    expect(await writeBack(local, store, clock(), 100)).toEqual({ written: 2, left: 0 });
    expect((await shared.read(target.partition, 0, 10)).callsMs).toEqual([T0 + 1_000, T0]);
    expect(local.pending()).toEqual([]);
    const verdicts = [await throttle.check([target]), await throttle.check([target])];
    expect(verdicts.map((v) => [v.via, v.admitted])).toEqual([['store', true], ['cache', false]]);
  });

  it('keeps each call in the local log until the store has it', async () => {
    const { store, local, clock, throttle } = outage();
    const target = { rule: testRule('r', [[3, '1h']]), partition: { caller: 'k', api: 'r' } };
    store.fault = 'fail';
    await throttle.check([target]);
    await expect(writeBack(local, store, clock(), 100)).rejects.toThrow('store unavailable');
    expect(local.pending()).toHaveLength(1);
  });

  it('writes calls with the TTL they have left and skips those already expired', async () => {
    const { shared, local, clock } = outage();
    await local.append({ caller: 'a', api: 'r' }, 0, T0, 10);
    await local.append({ caller: 'b', api: 'r' }, 0, T0, 100);
    clock.advance(50_000);
    expect(await writeBack(local, shared, clock(), 100)).toEqual({ written: 1, left: 0 });
    clock.advance(49_000);
    expect((await shared.read({ caller: 'b', api: 'r' }, 0, 10)).callsMs).toEqual([T0]);
    clock.advance(2_000);
    expect((await shared.read({ caller: 'b', api: 'r' }, 0, 10)).callsMs).toEqual([]);
  });
});
