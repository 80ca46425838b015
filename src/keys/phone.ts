/**
 * Phone numbers to E.164, so "+1 (415) 555-1212", "415-555-1212" and full-width digits are one
 * key. libphonenumber-js with its full ("max") metadata decides validity: an unparseable or
 * impossible number is refused (400) rather than becoming a fresh key that dodges a limit.
 */
import { parsePhoneNumberFromString, isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';
import { BoundedMemo } from './bounded-memo.js';

export type Normalized = { ok: true; value: string } | { ok: false; reason: string };

/**
 * Normalised numbers recently seen. A flood repeats one number (that is what a limit is for),
 * and parsing it again each time was the largest item after the error's stack in a CPU profile
 * of the denied path. Bounded in entries and in key length, so varied input costs no more than
 * parsing it; oldest entry first out (bounded-memo.ts).
 */
const MEMO_ENTRIES = 10_000;
const MEMO_MAX_LENGTH = 64;
const memo = new BoundedMemo<string, Normalized>(MEMO_ENTRIES);

export function toE164(raw: string, defaultRegion: string): Normalized {
  if (raw.length > MEMO_MAX_LENGTH) return parse(raw, defaultRegion);
  // Frozen: every caller with this input shares the one answer.
  return memo.remember(`${defaultRegion}:${raw}`, () => Object.freeze(parse(raw, defaultRegion)));
}

function parse(raw: string, defaultRegion: string): Normalized {
  const text = raw.normalize('NFKC').trim();
  const number = parsePhoneNumberFromString(text, defaultRegion as CountryCode);
  if (!number || !number.isValid()) return { ok: false, reason: 'is not a valid phone number' };
  // Extensions are dropped: "+1 415 555 1212 ext. 5" is the same line for throttling.
  return { ok: true, value: number.number };
}

/** Whether a two-letter region is known to libphonenumber (for DEFAULT_PHONE_REGION). */
export function isPhoneRegion(region: string): boolean {
  return isSupportedCountry(region);
}
