import { describe, expect, it } from 'vitest';
import { daysBetween, dayOf, parseIsoBound, rfc2822 } from '../../../src/domains/shared/time-format.js';
import { isSid, newSid, sidRange, sidTimeMs } from '../../../src/domains/shared/sids.js';

describe('time formats of the voice APIs', () => {
  it('writes RFC 2822 in UTC, as the design note does', () => {
    expect(rfc2822(Date.UTC(2020, 8, 5, 20, 36, 28))).toBe('Sat, 05 Sep 2020 20:36:28 +0000');
    expect(rfc2822(null)).toBeNull();
  });

  it.each([
    ['2026-11-26', 'start', Date.UTC(2026, 10, 26)],
    ['2026-11-26', 'end', Date.UTC(2026, 10, 27) - 1],
    ['2026-11-26T10:00:00Z', 'start', Date.UTC(2026, 10, 26, 10)],
    ['2026-11-26T10:00:00+02:00', 'end', Date.UTC(2026, 10, 26, 8)],
    ['2024-02-29', 'start', Date.UTC(2024, 1, 29)],
  ] as const)('reads %s as a %s bound', (value, bound, ms) => {
    expect(parseIsoBound(value, bound)).toBe(ms);
  });

  it.each(['2026-02-30', '2025-02-29', '2026-13-01', '2026-11-26T10:00:00', 'yesterday', '2026-11-26T25:00:00Z'])('refuses %s', (value) => {
    expect(parseIsoBound(value, 'start')).toBeUndefined();
  });

  it('lists the UTC days of a range', () => {
    expect(daysBetween(Date.UTC(2026, 10, 29, 23), Date.UTC(2026, 11, 1, 1))).toEqual(['2026-11-29', '2026-11-30', '2026-12-01']);
    expect(dayOf(Date.UTC(2026, 10, 26, 23, 59))).toBe('2026-11-26');
  });
});

describe('sids', () => {
  it('carry their creation time, sort by it, and fall inside the range of their time', () => {
    const a = newSid('CA', 1_800_000_000_000);
    const b = newSid('CA', 1_800_000_000_001);
    expect(isSid('CA', a)).toBe(true);
    expect(isSid('CF', a)).toBe(false);
    expect(sidTimeMs(a)).toBe(1_800_000_000_000);
    expect(a < b).toBe(true);
    const { low, high } = sidRange('CA', 1_800_000_000_000, 1_800_000_000_000);
    expect(low <= a && a <= high).toBe(true);
    expect(b > high).toBe(true);
  });

  it('refuses what is not a sid', () => {
    for (const value of ['CA', `CA${'g'.repeat(32)}`, `ca${'0'.repeat(32)}`, `CA${'0'.repeat(33)}`]) expect(isSid('CA', value)).toBe(false);
  });
});
