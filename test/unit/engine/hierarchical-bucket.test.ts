/**
 * The hierarchical (shared) bucket, engine/hierarchical-bucket.ts and limiters/shared-spec.ts: the
 * three-device scenario of bench/hierarchical-scenario.ts on a simulated clock, the account bound,
 * Retry-After to the ms, refunds, and the bounded member state.
 */
import { describe, expect, it } from 'vitest';
import { ACCOUNT_LIMIT, THREE_DEVICE_PHASES, runScenario, type PhaseRow } from '../../../bench/hierarchical-scenario.js';
import { createManualClock } from '../../../src/clock.js';
import type { Target } from '../../../src/engine/admit.js';
import { MAX_MEMBERS, newSharedState, ratesOf, refundShared, takeShared, type SharedState } from '../../../src/engine/hierarchical-bucket.js';
import { sharedSpec } from '../../../src/engine/limiters/shared-spec.js';
import { createStateLimiter } from '../../../src/engine/limiters/state-limiter.js';
import { DEFAULT_ERROR, type Rule, type SharedLimit } from '../../../src/rules/rule.js';
import { MemoryStateStore } from '../../../src/store/memory/memory-state-store.js';

const T0 = 1_800_000_000_000;
const limitOf = (overrides: Partial<SharedLimit>): SharedLimit => ({ ...ACCOUNT_LIMIT, ...overrides });
const within = (actual: number, expected: number, tolerance = 0.15) => {
  expect(actual).toBeGreaterThanOrEqual(expected * (1 - tolerance));
  expect(actual).toBeLessThanOrEqual(expected * (1 + tolerance));
};
const rate = (rows: PhaseRow[], phase: number, device: string) => rows.find((r) => r.phase.startsWith(`${phase}:`) && r.device === device)!.admittedPerSecond;

describe('three devices sharing an account of 30/s (share 10/s each, ceil 30/s)', () => {
  const { rows, maxExcess } = runScenario(ACCOUNT_LIMIT, THREE_DEVICE_PHASES);

  it('phase 1: A alone, offering 40/s, borrows up to the account rate', () => {
    within(rate(rows, 1, 'A'), 30);
    expect([rate(rows, 1, 'B'), rate(rows, 1, 'C')]).toEqual([0, 0]);
  });

  it('phase 2: B and C arrive at 20/s each: A is pushed back to its share, each gets about 10/s', () => {
    for (const device of ['A', 'B', 'C']) within(rate(rows, 2, device), 10);
    expect(rows.filter((r) => r.phase.startsWith('2:')).every((r) => r.borrowedPerSecond === 0)).toBe(true);
  });

  it('phase 3: B stops: A and C split what B leaves, about 15/s each', () => {
    within(rate(rows, 3, 'A'), 15);
    within(rate(rows, 3, 'C'), 15);
    within(rate(rows, 3, 'A') + rate(rows, 3, 'C'), 30);
    expect(rate(rows, 3, 'B')).toBe(0);
  });

  it('the account total never exceeds rate * elapsed + burst', () => {
    expect(maxExcess).toBeLessThanOrEqual(1e-9);
  });

  it('lends what light siblings leave: A gets the rest of the account beside two devices at 1/s', () => {
    const light = runScenario(ACCOUNT_LIMIT, [{ name: '1: light', durationMs: 10_000, offered: { A: 40, B: 1, C: 1 } }]);
    within(rate(light.rows, 1, 'A'), 28);
    expect([rate(light.rows, 1, 'B'), rate(light.rows, 1, 'C')]).toEqual([1, 1]);
    expect(light.maxExcess).toBeLessThanOrEqual(1e-9);
  });

  it('a lower ceil bounds borrowing: A alone at ceil 15/s gets 15/s', () => {
    const capped = runScenario(limitOf({ ceil: 15 }), [THREE_DEVICE_PHASES[0]!]);
    within(rate(capped.rows, 1, 'A'), 15);
  });
});

describe('takeShared', () => {
  const limit = ACCOUNT_LIMIT;
  it('a new member spends its own bucket (green), then borrows (yellow) up to the headroom', () => {
    let state = newSharedState(limit, T0);
    const kinds: string[] = [];
    for (let i = 0; i < 25; i++) {
      const taken = takeShared(limit, state, 'A', 1, T0);
      kinds.push(taken.allowed ? (taken.borrowed ? 'yellow' : 'green') : 'refused');
      state = taken.next;
    }
    // 10 within the share; 10 borrowed down to the headroom of one member's bucket (10 of 30); the rest waits.
    expect(kinds).toEqual([...Array(10).fill('green'), ...Array(10).fill('yellow'), ...Array(5).fill('refused')]);
    expect(takeShared(limit, state, 'B', 1, T0)).toMatchObject({ allowed: true, borrowed: false, limit: 10 });
  });

  it('answers share as the limit within it and ceil when borrowing, with what is left', () => {
    const green = takeShared(limit, newSharedState(limit, T0), 'A', 1, T0);
    expect(green).toMatchObject({ allowed: true, borrowed: false, limit: 10, remaining: 9, retryAfterMs: 0 });
    expect(green.usedShare).toBeCloseTo(1 / 30, 12);
    const spent: SharedState = { parent: { tokens: 15, atMs: T0 }, members: { A: { tokens: 0.5, ctokens: 20, atMs: T0 } } };
    expect(takeShared(limit, spent, 'A', 1, T0)).toMatchObject({ allowed: true, borrowed: true, limit: 30, remaining: 4 });
  });

  it('Retry-After: the member\'s share or the headroom, whichever comes first, to the ms', () => {
    const state: SharedState = { parent: { tokens: 10.5, atMs: T0 }, members: { A: { tokens: 0.5, ctokens: 20, atMs: T0 } } };
    // Green needs half a token at 10/s (50 ms); borrowing needs 11 in the parent, half a token at 30/s (16.7 ms).
    expect(takeShared(limit, state, 'A', 1, T0)).toMatchObject({ allowed: false, retryAfterMs: 17 });
    expect(takeShared(limit, state, 'A', 1, T0 + 16).allowed).toBe(false);
    expect(takeShared(limit, state, 'A', 1, T0 + 17)).toMatchObject({ allowed: true, borrowed: true });
  });

  it('a cost larger than the buckets never fits: refused, Retry-After the time to fill from empty', () => {
    const taken = takeShared(limit, { parent: { tokens: 15, atMs: T0 }, members: {} }, 'A', 31, T0);
    expect(taken).toMatchObject({ allowed: false, neverFits: true, retryAfterMs: 1_000, resetMs: 500 });
  });

  it('cost 0 passes and takes nothing', () => {
    const empty: SharedState = { parent: { tokens: 0, atMs: T0 }, members: {} };
    const taken = takeShared(limit, empty, 'A', 0, T0);
    expect(taken.allowed).toBe(true);
    expect(taken.next).toEqual(empty);
  });

  it('adds nothing for a clock behind the stored time', () => {
    const state: SharedState = { parent: { tokens: 0.5, atMs: T0 }, members: {} };
    expect(takeShared(limit, state, 'A', 1, T0 - 10_000).allowed).toBe(false);
  });

  it('drops a member not admitted for fullMs (it is full again: a new member)', () => {
    expect(ratesOf(limit).fullMs).toBe(1_000);
    const state: SharedState = { parent: { tokens: 30, atMs: T0 }, members: { A: { tokens: 0, ctokens: 0, atMs: T0 - 1_000 }, B: { tokens: 0, ctokens: 0, atMs: T0 - 999 } } };
    expect(Object.keys(takeShared(limit, state, 'C', 1, T0).next.members).sort()).toEqual(['B', 'C']);
  });

  it(`keeps at most ${MAX_MEMBERS} members, forgetting the least recently admitted`, () => {
    const wide = limitOf({ rate: 100_000, burst: 100_000, share: 1, ceil: 1 });
    const members = Object.fromEntries(Array.from({ length: MAX_MEMBERS }, (_, i) => [`m${i}`, { tokens: 0, ctokens: 0, atMs: T0 + i }]));
    const taken = takeShared(wide, { parent: { tokens: 100_000, atMs: T0 }, members }, 'new', 1, T0 + MAX_MEMBERS);
    expect(Object.keys(taken.next.members)).toHaveLength(MAX_MEMBERS);
    expect(taken.next.members.m0).toBeUndefined();
    expect(taken.next.members.new).toBeDefined();
  });
});

describe('refundShared', () => {
  const limit = ACCOUNT_LIMIT;
  it('gives back to the parent and the ctokens, to the tokens what a green admission took', () => {
    const start = newSharedState(limit, T0);
    const green = takeShared(limit, start, 'A', 2, T0);
    expect(refundShared(limit, green.next, 'A', 2, T0)).toEqual({ parent: { tokens: 30, atMs: T0 }, members: { A: { tokens: 10, ctokens: 30, atMs: T0, green: 0, borrowed: 0 } } });
    const spent: SharedState = { parent: { tokens: 20, atMs: T0 }, members: { A: { tokens: 0, ctokens: 20, atMs: T0 } } };
    const yellow = takeShared(limit, spent, 'A', 3, T0);
    expect(yellow.borrowed).toBe(true);
    expect(refundShared(limit, yellow.next, 'A', 3, T0)).toEqual({ parent: { tokens: 20, atMs: T0 }, members: { A: { tokens: 0, ctokens: 20, atMs: T0, green: 0, borrowed: 0 } } });
  });
});

describe('Retry-After is exact: refused one ms before, admitted at it (nobody else taking)', () => {
  const limits: SharedLimit[] = [ACCOUNT_LIMIT, limitOf({ rate: 100, perMs: 60_000, per: '1m', burst: 50, share: 20, ceil: 60 }), limitOf({ rate: 10, burst: 20, share: 3, ceil: 7 })];
  it.each(limits.map((l, i) => [i, l] as const))('limit %i', (_i, limit) => {
    const random = mulberry32(42);
    let state = newSharedState(limit, T0);
    let now = T0;
    let checked = 0;
    for (let step = 0; step < 4_000; step++) {
      // About one parent token a step against two asked: mostly busy, often refused.
      now += Math.floor((random() * 2 * limit.perMs) / limit.rate);
      const member = `m${Math.floor(random() ** 3 * 4)}`; // skewed: m0 asks most, and borrows
      const cost = 1 + Math.floor(random() * 3);
      const taken = takeShared(limit, state, member, cost, now);
      if (taken.allowed) {
        state = taken.next;
        continue;
      }
      if (taken.neverFits) continue;
      const wait = taken.retryAfterMs;
      if (wait > 1) expect(takeShared(limit, state, member, cost, now + wait - 1).allowed, `step ${step}: ${member} cost ${cost} at +${wait - 1}`).toBe(false);
      expect(takeShared(limit, state, member, cost, now + wait).allowed, `step ${step}: ${member} cost ${cost} at +${wait}`).toBe(true);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(100);
  });
});

function sharedRule(limit: SharedLimit): Rule {
  return {
    id: 'devices-share-account',
    kind: 'shared',
    source: 'test',
    match: { methods: ['POST'], path: '/v1/accounts/:accountId/calls' },
    key: [{ source: 'param', name: 'accountId', label: 'param.accountId' }],
    limits: [],
    shared: limit,
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

describe('sharedSpec', () => {
  const rule = sharedRule(ACCOUNT_LIMIT);
  const target = (member?: string, cost?: number): Target => ({ rule, partition: { caller: 'AC1', api: rule.id }, ...(member ? { member } : {}), ...(cost ? { cost } : {}) });

  it('decodes a new partition as a full parent, round-trips what it encodes, reads a bad row as new', () => {
    expect(sharedSpec.decode(undefined, target(), T0)).toEqual({ parent: { tokens: 30, atMs: T0 }, members: {} });
    const state: SharedState = { parent: { tokens: 12.5, atMs: T0 }, members: { d1: { tokens: 1.25, ctokens: 7, atMs: T0 - 3, green: 1, borrowed: 2.5 } } };
    expect(sharedSpec.decode(sharedSpec.encode(state), target(), T0)).toEqual(state);
    expect(sharedSpec.decode('{"t":1}', target(), T0)).toEqual({ parent: { tokens: 30, atMs: T0 }, members: {} });
    expect(sharedSpec.decode('{"p":[3,5],"m":{"ok":[1,2,3],"bad":"x"}}', target(), T0)).toEqual({ parent: { tokens: 3, atMs: 5 }, members: { ok: { tokens: 1, ctokens: 2, atMs: 3, green: 0, borrowed: 0 } } });
  });

  it('answers decisions for the member, over the period', () => {
    const { decision } = sharedSpec.take(sharedSpec.decode(undefined, target(), T0), target('d1', 2), T0);
    expect(decision).toMatchObject({ kind: 'shared', caller: 'AC1', allowed: true, limit: 10, remaining: 8, retryAfterMs: 0, window: '1s', windowSeconds: 1 });
    expect(sharedSpec.ttlSeconds(target())).toBe(1 + 60);
  });

  it('through the state limiter: devices of one account share it, the anonymous member included', async () => {
    const clock = createManualClock(T0);
    const limiter = createStateLimiter({ spec: sharedSpec, store: new MemoryStateStore(clock), deadlineMs: 1_000 });
    const take = (member?: string) => limiter.take({ targets: [target(member)], nowMs: clock(), leaseId: 'unused' });
    const outcomes = [];
    for (let i = 0; i < 25; i++) outcomes.push(await take('d1'));
    expect(outcomes.filter((o) => o.admitted)).toHaveLength(20);
    expect(outcomes.at(-1)!.decisions[0]).toMatchObject({ allowed: false, retryAfterMs: 34 });
    // The headroom is a waking device's: d2 and the anonymous member get in at once.
    expect((await take('d2')).admitted).toBe(true);
    const anonymous = await take();
    expect(anonymous.admitted).toBe(true);
    await anonymous.undo!();
    expect((await take()).admitted).toBe(true);
  });
});

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
