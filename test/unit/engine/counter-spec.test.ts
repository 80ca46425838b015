import { describe, expect, it } from 'vitest';
import type { Target } from '../../../src/engine/admit.js';
import { counterSpec, type CounterState } from '../../../src/engine/limiters/counter-spec.js';
import { DEFAULT_ERROR, type Rule } from '../../../src/rules/rule.js';

/** A fixed-window rule built by hand, every field given: limits as [count, windowMs]. */
function counterRule(limits: Array<[number, number]>): Rule {
  return {
    id: 'packets',
    kind: 'window',
    source: 'test',
    match: { methods: '*', path: '/v1/sip' },
    key: [{ source: 'global', label: 'global' }],
    limits: limits.map(([count, windowMs]) => ({ count, windowMs, window: windowMs >= 60_000 ? `${windowMs / 60_000}m` : `${windowMs / 1000}s` })),
    action: { kind: 'reject' },
    consistency: 'exact',
    error: DEFAULT_ERROR,
    onMissingKey: 'skip',
    onStoreError: 'deny',
    mode: 'enforce',
    allow: { exact: new Set(), prefixes: [] },
    deny: { exact: new Set(), prefixes: [] },
    definition: {},
  };
}

const target = (rule: Rule, cost?: number): Target => ({ rule, partition: { caller: 'acct-1', api: rule.id }, ...(cost === undefined ? {} : { cost }) });
/** On a minute boundary (and so a second boundary). */
const T0 = 1_800_000_000_000;

/** Takes `n` times through encode/decode, as the state limiter would; answers how many were admitted and the last text. */
function takeMany(t: Target, n: number, nowMs: number, text: string | undefined): { admitted: number; text: string | undefined } {
  let admitted = 0;
  for (let i = 0; i < n; i++) {
    const { decision, next } = counterSpec.take(counterSpec.decode(text, t, nowMs), t, nowMs);
    if (!decision.allowed) continue;
    admitted++;
    text = counterSpec.encode(next);
  }
  return { admitted, text };
}

describe('counterSpec (exact fixed windows)', () => {
  const perSecond = counterRule([[3, 1_000]]);

  it('decodes a new partition as empty current windows', () => {
    expect(counterSpec.decode(undefined, target(perSecond), T0 + 400)).toEqual({ w: [{ start: T0, count: 0 }] });
  });

  it('admits up to the count in a window, then refuses until the window ends', () => {
    const t = target(perSecond);
    const { admitted, text } = takeMany(t, 5, T0 + 100, undefined);
    expect(admitted).toBe(3);
    expect(JSON.parse(text!)).toEqual({ w: [{ start: T0, count: 3 }] });
    const { decision, next } = counterSpec.take(counterSpec.decode(text, t, T0 + 600), t, T0 + 600);
    expect(decision).toMatchObject({ allowed: false, kind: 'window', limit: 3, remaining: 0, retryAfterMs: 400, resetMs: 400, window: '1s', windowSeconds: 1, caller: 'acct-1' });
    expect(counterSpec.encode(next)).toBe(text);
    // The next second starts from zero.
    expect(takeMany(t, 5, T0 + 1_000, text).admitted).toBe(3);
  });

  it('answers the binding window: the refused one that ends last, or the one with least left', () => {
    const rule = counterRule([
      [2, 1_000],
      [3, 60_000],
    ]);
    const t = target(rule);
    let { text } = takeMany(t, 1, T0, undefined);
    const second = counterSpec.take(counterSpec.decode(text, t, T0 + 10), t, T0 + 10);
    expect(second.decision).toMatchObject({ allowed: true, window: '1s', remaining: 0 });
    text = counterSpec.encode(second.next);
    expect(counterSpec.take(counterSpec.decode(text, t, T0 + 20), t, T0 + 20).decision).toMatchObject({ allowed: false, window: '1s', retryAfterMs: 980 });
    // A second later the per-second window is empty; one more fills the minute.
    text = takeMany(t, 2, T0 + 1_000, text).text;
    expect(JSON.parse(text!)).toEqual({ w: [{ start: T0 + 1_000, count: 1 }, { start: T0, count: 3 }] });
    expect(counterSpec.take(counterSpec.decode(text, t, T0 + 2_000), t, T0 + 2_000).decision).toMatchObject({ allowed: false, window: '1m', retryAfterMs: 58_000 });
  });

  it('takes the target cost from every window, and refuses a cost no window can hold', () => {
    const rule = counterRule([[10, 1_000]]);
    const { decision, next } = counterSpec.take(counterSpec.decode(undefined, target(rule, 4), T0), target(rule, 4), T0);
    expect(decision).toMatchObject({ allowed: true, remaining: 6 });
    expect(next.w[0]!.count).toBe(4);
    const tooBig = counterSpec.take(next, target(rule, 11), T0);
    expect(tooBig.decision).toMatchObject({ allowed: false, retryAfterMs: 1_000 });
    expect(tooBig.next).toBe(next);
  });

  it('refunds into the window the admission went to, never below zero, and not once it has ended', () => {
    const t = target(perSecond, 2);
    const state: CounterState = { w: [{ start: T0, count: 3 }] };
    expect(counterSpec.refund(state, t, T0 + 10)).toEqual({ w: [{ start: T0, count: 1 }] });
    expect(counterSpec.refund({ w: [{ start: T0, count: 1 }] }, t, T0 + 10)).toEqual({ w: [{ start: T0, count: 0 }] });
    expect(counterSpec.refund(state, t, T0 + 1_000)).toEqual(state);
  });

  it('counts a window another instance (clock ahead) already started, and keeps its start', () => {
    const t = target(perSecond);
    const ahead = JSON.stringify({ w: [{ start: T0 + 1_000, count: 3 }] });
    const { decision } = counterSpec.take(counterSpec.decode(ahead, t, T0 + 999), t, T0 + 999);
    expect(decision.allowed).toBe(false);
    const one = JSON.stringify({ w: [{ start: T0 + 1_000, count: 1 }] });
    expect(counterSpec.take(counterSpec.decode(one, t, T0 + 999), t, T0 + 999).next).toEqual({ w: [{ start: T0 + 1_000, count: 2 }] });
  });

  it('reads a malformed or foreign row as a new partition', () => {
    const t = target(perSecond);
    for (const text of ['not json', '{}', '{"w": [{"start": "x", "count": 1}]}', '{"w": [{"start": 1, "count": -1}]}']) {
      expect(counterSpec.decode(text, t, T0 + 5)).toEqual({ w: [{ start: T0, count: 0 }] });
    }
  });

  it('keeps rows for the longest window plus a minute', () => {
    expect(counterSpec.ttlSeconds(target(perSecond))).toBe(61);
    expect(counterSpec.ttlSeconds(target(counterRule([[1, 1_000], [5, 3_600_000]])))).toBe(3_660);
  });
});
