import { describe, expect, it } from 'vitest';
import { decideFixedWindows, windowLimitDecisions, windowStart } from '../../../src/engine/fixed-window.js';
import { DEFAULT_ERROR, type Limit, type Rule } from '../../../src/rules/rule.js';

const SECOND: Limit = { count: 5, windowMs: 1_000, window: '1s' };
const MINUTE: Limit = { count: 20, windowMs: 60_000, window: '1m' };
/** 12:00:00.250 on some day, 250 ms into a second and 250 ms into a minute. */
const T0 = 1_800_000_000_000 + 250;

describe('windowStart', () => {
  it.each([
    [0, 1_000, 0],
    [999, 1_000, 0],
    [1_000, 1_000, 1_000],
    [61_234, 60_000, 60_000],
    [T0, 1_000, T0 - 250],
    [T0, 60_000, T0 - 250],
  ])('windowStart(%i, %i) = %i', (nowMs, windowMs, expected) => {
    expect(windowStart(nowMs, windowMs)).toBe(expected);
  });
});

describe('decideFixedWindows', () => {
  it('admits into empty windows and reports what is left and when each window ends', () => {
    const d = decideFixedWindows([SECOND, MINUTE], [0, 0], 1, T0);
    expect(d).toMatchObject({ allowed: true, retryAfterMs: 0, neverFits: false });
    expect(d.windows.map((w) => [w.used, w.remaining, w.resetMs, w.startMs])).toEqual([
      [0, 4, 750, T0 - 250],
      [0, 19, 59_750, T0 - 250],
    ]);
  });

  it('admits the last unit of a window, then refuses until the window ends', () => {
    expect(decideFixedWindows([SECOND], [4], 1, T0)).toMatchObject({ allowed: true, retryAfterMs: 0 });
    const full = decideFixedWindows([SECOND], [5], 1, T0);
    expect(full).toMatchObject({ allowed: false, retryAfterMs: 750 });
    expect(full.windows[0]).toMatchObject({ allowed: false, used: 5, remaining: 0, resetMs: 750 });
  });

  it('waits for the latest of the full windows', () => {
    const both = decideFixedWindows([SECOND, MINUTE], [5, 20], 1, T0);
    expect(both.retryAfterMs).toBe(59_750);
    const secondOnly = decideFixedWindows([SECOND, MINUTE], [5, 7], 1, T0);
    expect(secondOnly.retryAfterMs).toBe(750);
    // A window with room does not consume anything when another refuses: its remaining is untouched.
    expect(secondOnly.windows[1]).toMatchObject({ allowed: true, remaining: 13 });
    const minuteOnly = decideFixedWindows([SECOND, MINUTE], [0, 20], 1, T0);
    expect(minuteOnly).toMatchObject({ allowed: false, retryAfterMs: 59_750 });
  });

  it('takes a cost from every window, all of it or none', () => {
    expect(decideFixedWindows([SECOND], [2], 3, T0)).toMatchObject({ allowed: true, windows: [{ remaining: 0 }] });
    expect(decideFixedWindows([SECOND], [3], 3, T0)).toMatchObject({ allowed: false, windows: [{ remaining: 2 }], neverFits: false });
  });

  it('says when a cost can never fit, and still answers a finite retry', () => {
    const d = decideFixedWindows([SECOND, MINUTE], [0, 0], 6, T0);
    expect(d).toMatchObject({ allowed: false, neverFits: true, retryAfterMs: 750 });
  });

  it('admits a cost of 0 even into a full window', () => {
    expect(decideFixedWindows([SECOND], [5], 0, T0)).toMatchObject({ allowed: true, windows: [{ remaining: 0 }] });
  });

  it('starts again from zero in the next window (the caller drops the old count)', () => {
    expect(decideFixedWindows([SECOND], [0], 1, T0 + 750)).toMatchObject({ allowed: true, windows: [{ startMs: T0 + 750, resetMs: 1_000 }] });
  });
});

describe('windowLimitDecisions', () => {
  const rule = { id: 'sbc', error: DEFAULT_ERROR } as Rule;

  it('answers one window decision per limit, with the share used after the request', () => {
    const decision = decideFixedWindows([SECOND, MINUTE], [5, 10], 1, T0);
    expect(windowLimitDecisions(rule, 'caller-1', decision, 1)).toEqual([
      { rule, kind: 'window', caller: 'caller-1', allowed: false, limit: 5, remaining: 0, retryAfterMs: 750, resetMs: 750, window: '1s', windowSeconds: 1, usedShare: 1 },
      { rule, kind: 'window', caller: 'caller-1', allowed: true, limit: 20, remaining: 10, retryAfterMs: 0, resetMs: 59_750, window: '1m', windowSeconds: 60, usedShare: 0.5 },
    ]);
  });

  it('counts the cost in the share of an admitted request', () => {
    const [d] = windowLimitDecisions(rule, 'c', decideFixedWindows([MINUTE], [10], 5, T0), 5);
    expect(d).toMatchObject({ allowed: true, remaining: 5, usedShare: 0.75 });
  });
});
