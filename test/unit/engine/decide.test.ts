import { describe, expect, it } from 'vitest';
import { decide, readPlan, ttlSecondsFor } from '../../../src/engine/decide.js';
import type { Limit } from '../../../src/rules/rule.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const perHour = (count: number): Limit => ({ count, windowMs: HOUR, window: '1h' });
const perDay = (count: number): Limit => ({ count, windowMs: DAY, window: '1d' });
const NOW = 1_800_000_000_000;

describe('decide, one window', () => {
  it('admits while fewer than count calls are in the window', () => {
    const d = decide([perHour(5)], [NOW - 10, NOW - 20, NOW - 30, NOW - 40], NOW);
    expect(d.allowed).toBe(true);
    expect(d.windows[0]).toMatchObject({ used: 4, allowed: true });
    expect(d.retryAfterMs).toBe(0);
  });

  it('denies at count, with Retry-After until the count-th newest call leaves', () => {
    const calls = [NOW - 1_000, NOW - 2_000, NOW - 3_000, NOW - 4_000, NOW - 5_000];
    const d = decide([perHour(5)], calls, NOW);
    expect(d.allowed).toBe(false);
    expect(d.windows[0]).toMatchObject({ used: 5, allowed: false, resetMs: HOUR - 5_000 });
    expect(d.retryAfterMs).toBe(HOUR - 5_000);
  });

  it('is a sliding window: a call stops counting exactly one window after it was made', () => {
    const oldest = NOW - HOUR;
    const calls = [NOW - 1, NOW - 2, NOW - 3, NOW - 4, oldest];
    expect(decide([perHour(5)], calls, NOW).allowed).toBe(true);
    expect(decide([perHour(5)], calls, NOW - 1).allowed).toBe(false);
    expect(decide([perHour(5)], calls, NOW - 1).retryAfterMs).toBe(1);
  });

  it('never slices time into slots: 5 calls at the end of one hour still block the start of the next', () => {
    const endOfHour = Math.floor(NOW / HOUR) * HOUR - 1;
    const calls = [endOfHour, endOfHour - 1, endOfHour - 2, endOfHour - 3, endOfHour - 4];
    expect(decide([perHour(5)], calls, endOfHour + 2).allowed).toBe(false);
  });

  it('reports the calls used and the time until the oldest counted call leaves', () => {
    const d = decide([perHour(5)], [NOW - 1_000, NOW - 60_000], NOW);
    expect(d.windows[0]).toMatchObject({ used: 2, allowed: true, resetMs: HOUR - 60_000 });
    expect(decide([perHour(5)], [], NOW).windows[0]).toMatchObject({ used: 0, allowed: true, resetMs: HOUR });
  });

  it('handles more calls than the limit (a limit lowered after the fact)', () => {
    const calls = [NOW - 1, NOW - 2, NOW - 3, NOW - 4];
    const d = decide([perHour(2)], calls, NOW);
    expect(d.allowed).toBe(false);
    // The 2nd newest must leave before one more fits under 2.
    expect(d.retryAfterMs).toBe(HOUR - 2);
  });
});

describe('decide, two windows (5 per hour AND 30 per day)', () => {
  const limits = [perHour(5), perDay(30)];

  it('denies on the day while the hour has room, and reports the day', () => {
    const calls = Array.from({ length: 30 }, (_, i) => NOW - 2 * HOUR - i * 60_000);
    const d = decide(limits, calls, NOW);
    expect(d.allowed).toBe(false);
    expect(d.windows.map((w) => w.allowed)).toEqual([true, false]);
    expect(d.retryAfterMs).toBe(calls[29]! + DAY - NOW);
  });

  it('denies on the hour while the day has room', () => {
    const calls = Array.from({ length: 5 }, (_, i) => NOW - i * 60_000);
    const d = decide(limits, calls, NOW);
    expect(d.windows.map((w) => w.allowed)).toEqual([false, true]);
    expect(d.retryAfterMs).toBe(calls[4]! + HOUR - NOW);
  });

  it('takes the later of two full windows for Retry-After', () => {
    const calls = Array.from({ length: 30 }, (_, i) => NOW - i * 1_000);
    const d = decide(limits, calls, NOW);
    expect(d.windows.map((w) => w.allowed)).toEqual([false, false]);
    expect(d.retryAfterMs).toBe(Math.max(calls[4]! + HOUR, calls[29]! + DAY) - NOW);
  });
});

describe('readPlan and ttlSecondsFor', () => {
  it('reads the largest count over the longest window', () => {
    expect(readPlan([perHour(5), perDay(30)])).toEqual({ windowMs: DAY, count: 30 });
  });

  it('keeps rows for the longest window plus a margin', () => {
    expect(ttlSecondsFor([perHour(5), perDay(30)])).toBe(86_400 + 60);
  });
});
