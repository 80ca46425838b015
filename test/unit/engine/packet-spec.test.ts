import { describe, expect, it } from 'vitest';
import { packetSpec, type PacketState } from '../../../src/engine/limiters/packet-spec.js';
import { createStateLimiter } from '../../../src/engine/limiters/state-limiter.js';
import { MemoryStateStore } from '../../../src/store/memory/memory-state-store.js';
import { createManualClock } from '../../../src/clock.js';
import type { Target } from '../../../src/engine/admit.js';
import { testRule } from '../../support/rules.js';

const T0 = 1_800_000_000_000; // a whole minute
const rules = ['registrations', 'invites', 'total_packets'];
const named = (tier: string) => rules.map((cls) => testRule(`rate_limits:${tier}:${cls}`, [[1, '1s']]));
// [registrations, invites, total_packets] per second, then per minute.
const account = { limits: [5, 5, 20, 100, 100, 1000], rules: named('account') };
const device = { limits: [2, 3, 7, undefined, 60, 180], rules: named('device') };
const invite = (member: string, cost = 1): Target => ({
  rule: named('account')[0]!,
  partition: { caller: 'acct', api: 'rate_limits' },
  member,
  cost,
  packets: { classes: [1, 2], parent: account, member: device },
});

function run(state: PacketState, target: Target, nowMs: number) {
  return packetSpec.take(packetSpec.decode(packetSpec.encode(state), target, nowMs), target, nowMs);
}

describe('packetSpec: an account and its devices in one state', () => {
  it('counts an invite in invites and total_packets of both tiers, and refuses past the device invites per second', () => {
    let state = packetSpec.decode(undefined, invite('d1'), T0);
    for (let i = 0; i < 3; i++) {
      const { decision, next } = run(state, invite('d1'), T0 + i);
      expect(decision.allowed).toBe(true);
      state = next;
    }
    expect(state.p).toEqual([0, 3, 3, 0, 3, 3]);
    expect(state.d.d1).toEqual([0, 3, 3, 0, 3, 3]);
    const refused = run(state, invite('d1'), T0 + 10);
    expect(refused.decision).toMatchObject({ allowed: false, limit: 3, remaining: 0, retryAfterMs: 990, window: '1s' });
    expect(refused.decision.rule.id).toBe('rate_limits:device:invites');
    expect(refused.next).toEqual(state);
    // Another device still has room; the account's 5 invites a second bind after two more.
    state = run(state, invite('d2'), T0 + 20).next;
    state = run(state, invite('d2'), T0 + 30).next;
    expect(run(state, invite('d3'), T0 + 40).decision).toMatchObject({ allowed: false, limit: 5 });
    expect(run(state, invite('d3'), T0 + 40).decision.rule.id).toBe('rate_limits:account:invites');
  });

  it('starts the per-second counts again at the next second, keeps the minute, and drops idle devices', () => {
    let state = packetSpec.decode(undefined, invite('d1'), T0);
    for (let i = 0; i < 3; i++) state = run(state, invite('d1'), T0 + i).next;
    const later = packetSpec.decode(packetSpec.encode(state), invite('d1'), T0 + 1_000);
    expect(later.p).toEqual([0, 0, 0, 0, 3, 3]);
    expect(later.d.d1).toEqual([0, 0, 0, 0, 3, 3]);
    expect(packetSpec.decode(packetSpec.encode(state), invite('d1'), T0 + 60_000).d).toEqual({});
  });

  it('gives back what a refused request elsewhere took', () => {
    const first = run(packetSpec.decode(undefined, invite('d1', 2), T0), invite('d1', 2), T0).next;
    expect(packetSpec.refund(first, invite('d1', 2), T0)).toMatchObject({ p: [0, 0, 0, 0, 0, 0], d: { d1: [0, 0, 0, 0, 0, 0] } });
  });

  it('admits exactly the device limit of 20 concurrent checks through the state limiter', async () => {
    const store = new MemoryStateStore(createManualClock(T0));
    const limiter = createStateLimiter({ spec: packetSpec, store, deadlineMs: 1_000 });
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => limiter.take({ targets: [invite('d1')], nowMs: T0, leaseId: 'x' })));
    expect(outcomes.filter((o) => o.admitted)).toHaveLength(3);
  });
});
