/**
 * Resource ids ("sids"): a two-letter type prefix and a UUIDv7 in lower-case hex, e.g.
 * CA0192f1c3a4b07c8e9d... The first 12 hex digits are the creation time in ms, so a sid tells the
 * day partition its row lives in (no lookup table), and sids sort by creation time (list order,
 * date-range queries as sid ranges). The other 74 bits are random: a sid cannot be guessed.
 */
import { randomBytes } from 'node:crypto';

export type SidPrefix = 'AC' | 'CA' | 'RE' | 'TR' | 'CF' | 'CP' | 'DV';

const HEX32 = /^[0-9a-f]{32}$/;

/** A new sid created at `atMs` (the caller's clock). */
export function newSid(prefix: SidPrefix, atMs: number): string {
  const bytes = randomBytes(16);
  const ms = BigInt(Math.max(0, Math.floor(atMs)));
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  return prefix + bytes.toString('hex');
}

/** Whether `value` is a well-formed sid of this type (anything else is simply not found). */
export function isSid(prefix: SidPrefix, value: string): boolean {
  return value.length === 34 && value.startsWith(prefix) && HEX32.test(value.slice(2));
}

/** The creation time (ms) a well-formed sid carries. */
export function sidTimeMs(sid: string): number {
  return parseInt(sid.slice(2, 14), 16);
}

/** The lowest and highest sid of this type created within [fromMs, toMs], for range queries. */
export function sidRange(prefix: SidPrefix, fromMs: number, toMs: number): { low: string; high: string } {
  const stamp = (ms: number) => Math.max(0, Math.min(ms, 0xffffffffffff)).toString(16).padStart(12, '0');
  return { low: `${prefix}${stamp(fromMs)}${'0'.repeat(20)}`, high: `${prefix}${stamp(toMs)}${'f'.repeat(20)}` };
}
