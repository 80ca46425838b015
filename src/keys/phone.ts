/**
 * Phone numbers to E.164, so "+1 (415) 555-1212", "415-555-1212" and full-width digits are one
 * key. libphonenumber-js with its full ("max") metadata decides validity: an unparseable or
 * impossible number is refused (400) rather than becoming a fresh key that dodges a limit.
 */
import { parsePhoneNumberFromString, isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';

export type Normalized = { ok: true; value: string } | { ok: false; reason: string };

export function toE164(raw: string, defaultRegion: string): Normalized {
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
