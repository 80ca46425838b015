/**
 * Exact fixed-window counters end to end: counterSpec through the generic state limiter
 * (limiters/state-limiter.ts) on the memory StateStore, as a rule with consistency 'exact' runs.
 */
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../../src/clock.js';
import type { Target } from '../../../src/engine/admit.js';
import { counterSpec } from '../../../src/engine/limiters/counter-spec.js';
import { createStateLimiter } from '../../../src/engine/limiters/state-limiter.js';
import { DEFAULT_ERROR, type Rule } from '../../../src/rules/rule.js';
import { MemoryStateStore } from '../../../src/store/memory/memory-state-store.js';

function counterRule(id: string, limits: Array<[number, number]>): Rule {
  return {
    id,
    kind: 'window',
    source: 'test',
    match: { methods: '*', path: '/v1/sip' },
    key: [{ source: 'global', label: 'global' }],
    limits: limits.map(([count, windowMs]) => ({ count, windowMs, window: `${windowMs / 1000}s` })),
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

const T0 = 1_800_000_000_000;
const target = (rule: Rule, caller: string, cost?: number): Target => ({ rule, partition: { caller, api: rule.id }, ...(cost === undefined ? {} : { cost }) });

function setup() {
  const clock = createManualClock(T0);
  const store = new MemoryStateStore(clock);
  const limiter = createStateLimiter({ spec: counterSpec, store, deadlineMs: 1_000 });
  const take = (targets: Target[]) => limiter.take({ targets, nowMs: clock(), leaseId: 'unused' });
  return { clock, store, limiter, take };
}

describe('exact fixed-window counters through the state limiter', () => {
  it('admits exactly the count of 30 simultaneous requests, and the next second again', async () => {
    const { clock, take } = setup();
    const rule = counterRule('packets', [[5, 1_000]]);
    const first = await Promise.all(Array.from({ length: 30 }, () => take([target(rule, 'acct')])));
    expect(first.filter((o) => o.admitted)).toHaveLength(5);
    expect(first.find((o) => !o.admitted)!.decisions[0]).toMatchObject({ allowed: false, retryAfterMs: 1_000, window: '1s' });
    clock.advance(1_000);
    const next = await Promise.all(Array.from({ length: 30 }, () => take([target(rule, 'acct')])));
    expect(next.filter((o) => o.admitted)).toHaveLength(5);
  });

  it('keeps per-second and per-minute windows together in one state', async () => {
    const { clock, store, take } = setup();
    const rule = counterRule('kazoo', [
      [2, 1_000],
      [3, 60_000],
    ]);
    const admitted: boolean[] = [];
    for (const dt of [0, 0, 0, 1_000, 1_000, 2_000]) {
      clock.set(T0 + dt);
      admitted.push((await take([target(rule, 'dev')])).admitted);
    }
    expect(admitted).toEqual([true, true, false, true, false, false]);
    expect(JSON.parse(store.readNow({ caller: 'dev', api: 'kazoo' }).state!)).toEqual({ w: [{ start: T0 + 1_000, count: 1 }, { start: T0, count: 3 }] });
  });

  it('takes from every target or from none, and undo gives the cost back', async () => {
    const { store, take } = setup();
    const account = counterRule('account', [[10, 1_000]]);
    const device = counterRule('device', [[3, 1_000]]);
    const ok = await take([target(account, 'a', 2), target(device, 'd', 2)]);
    expect(ok.admitted).toBe(true);
    const refused = await take([target(account, 'a', 2), target(device, 'd', 2)]);
    expect(refused.admitted).toBe(false);
    const count = (rule: Rule, caller: string) => (JSON.parse(store.readNow({ caller, api: rule.id }).state!) as { w: Array<{ count: number }> }).w[0]!.count;
    expect([count(account, 'a'), count(device, 'd')]).toEqual([2, 2]);
    await ok.undo!();
    expect([count(account, 'a'), count(device, 'd')]).toEqual([0, 0]);
  });
});
