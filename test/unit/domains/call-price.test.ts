import { describe, expect, it } from 'vitest';
import type { Call } from '../../../src/domains/calls/call.js';
import { callPrice, endedCall, formatPriceUnits, startedMinutes, toPriceUnits } from '../../../src/domains/calls/call-price.js';

describe('toPriceUnits / formatPriceUnits', () => {
  it.each([
    ['0.03', 3000n, '0.03000'],
    ['0.03000', 3000n, '0.03000'],
    ['1', 100000n, '1.00000'],
    ['0.00001', 1n, '0.00001'],
    ['999999.99999', 99999999999n, '999999.99999'],
    ['0', 0n, '0.00000'],
  ])('%s is %s units, written %s', (decimal, units, written) => {
    expect(toPriceUnits(decimal)).toBe(units);
    expect(formatPriceUnits(units)).toBe(written);
  });

  it.each([['-0.03'], ['0.000001'], ['1e-3'], ['.5'], ['']])('refuses %j', (decimal) => {
    expect(() => toPriceUnits(decimal)).toThrow(/is not a price/);
  });

  it('writes a negative amount with its sign', () => {
    expect(formatPriceUnits(-3000n)).toBe('-0.03000');
    expect(formatPriceUnits(-123456789n)).toBe('-1234.56789');
  });
});

describe('callPrice', () => {
  it.each([
    [0, '0.03', 0, '0.00000'],
    [1, '0.03', 1, '-0.03000'],
    [60, '0.03', 1, '-0.03000'],
    [61, '0.03', 2, '-0.06000'],
    [3600, '0.03', 60, '-1.80000'],
    // Floating point would make this 0.30000000000000004: integer units do not.
    [180, '0.1', 3, '-0.30000'],
    [59, '0.00001', 1, '-0.00001'],
  ])('%i s at %s a minute: %i started minutes, %s', (seconds, perMinute, minutes, price) => {
    expect(startedMinutes(seconds)).toBe(minutes);
    expect(callPrice(seconds, perMinute)).toBe(price);
  });
});

describe('endedCall', () => {
  const T0 = 1_800_000_000_000;
  const live: Call = {
    sid: 'CA00000000000000000000000000000000', accountId: 'AC00000000000000000000000000000000', from: '+14155550100', to: '+14155550199',
    status: 'in-progress', direction: 'outbound-api', createdAtMs: T0, updatedAtMs: T0 + 500, startTimeMs: T0, endTimeMs: null,
    durationSeconds: null, price: null, priceUnit: 'USD', statusCallback: null, callbackSequence: 0, carrier: null, announceUrl: null, limitExceededRule: null,
  };
  const pricing = { callPricePerMinute: '0.03000', callPriceUnit: 'EUR' };

  it('sets the end, the whole seconds since the start and the price of the started minutes', () => {
    expect(endedCall(live, T0 + 61_999, pricing)).toEqual({ ...live, status: 'completed', updatedAtMs: T0 + 61_999, endTimeMs: T0 + 61_999, durationSeconds: 61, price: '-0.06000', priceUnit: 'EUR' });
  });

  it('never ends a call before it started (a clock behind the one that created it)', () => {
    expect(endedCall(live, T0 - 5_000, pricing)).toMatchObject({ endTimeMs: T0, durationSeconds: 0, price: '0.00000' });
  });
});
