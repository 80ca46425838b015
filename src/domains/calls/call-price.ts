/**
 * What ending a call writes: end time, duration in whole seconds, and the price of the started
 * minutes. Money is computed in integer units of 1e-5 (the 5 places prices are written with) with
 * BigInt, never in floating point: 0.1 + 0.2 must not cost a customer 0.30000000000000004.
 */
import type { Call } from './call.js';

/** Settings a price is computed from. */
export interface CallPricing {
  /** A started minute's price: a decimal string with up to 5 places ("0.03000"). */
  callPricePerMinute: string;
  /** ISO 4217 ("USD"). */
  callPriceUnit: string;
}

const PLACES = 5;
const SCALE = 10n ** BigInt(PLACES);

/** "0.03" -> 3000n (units of 1e-5); throws on anything but an unsigned decimal of up to 5 places. */
export function toPriceUnits(decimal: string): bigint {
  const match = /^(\d+)(?:\.(\d{1,5}))?$/.exec(decimal);
  if (!match) throw new Error(`"${decimal}" is not a price (an unsigned decimal with up to ${PLACES} places)`);
  return BigInt(match[1]!) * SCALE + BigInt((match[2] ?? '').padEnd(PLACES, '0'));
}

/** Units of 1e-5 as a decimal string with 5 places: -3000n -> "-0.03000", 0n -> "0.00000". */
export function formatPriceUnits(units: bigint): string {
  const sign = units < 0n ? '-' : '';
  const magnitude = units < 0n ? -units : units;
  return `${sign}${magnitude / SCALE}.${(magnitude % SCALE).toString().padStart(PLACES, '0')}`;
}

/** Minutes a call of this many whole seconds has started: 0 s is none, 1-60 s one, 61 s two. */
export function startedMinutes(durationSeconds: number): number {
  return Math.ceil(durationSeconds / 60);
}

/** The charge for a call of this duration, negative as in a CDR ("-0.06000" for 61 s at 0.03). */
export function callPrice(durationSeconds: number, perMinute: string): string {
  return formatPriceUnits(-(BigInt(startedMinutes(durationSeconds)) * toPriceUnits(perMinute)));
}

/** The call as it is once ended at `atMs` (no sooner than it started, whatever the clocks say). */
export function endedCall(call: Call, atMs: number, pricing: CallPricing): Call {
  const endTimeMs = Math.max(atMs, call.startTimeMs);
  const durationSeconds = Math.floor((endTimeMs - call.startTimeMs) / 1000);
  return {
    ...call,
    status: 'completed',
    updatedAtMs: endTimeMs,
    endTimeMs,
    durationSeconds,
    price: callPrice(durationSeconds, pricing.callPricePerMinute),
    priceUnit: pricing.callPriceUnit,
  };
}
