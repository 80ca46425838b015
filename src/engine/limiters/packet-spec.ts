/**
 * Exact packet counters (Kazoo's rate_limits: registrations, invites and total_packets per second
 * and per minute) for a parent and its members in ONE state: an account and its devices (or the
 * system alone), so a SIP message costs one compare-and-set however many classes and tiers it
 * counts in. Fixed windows aligned to the epoch, as Kazoo counts (fixed-window.ts); a message
 * takes its cost from every window of every class it counts in, in both tiers, or from none.
 *
 * State: {"s": second window start, "m": minute window start, "p": parent counts[6],
 * "d": {member: counts[6]}}; a member whose counts are all of ended windows is dropped.
 */
import type { Target } from '../admit.js';
import type { LimitDecision } from '../limiter.js';
import type { Rule } from '../../rules/rule.js';
import { windowStart } from '../fixed-window.js';
import type { StateSpec } from './state-spec.js';

export interface PacketState {
  s: number;
  m: number;
  p: number[];
  d: Record<string, number[]>;
}

const WINDOWS = [
  { offset: 0, ms: 1_000, name: '1s' },
  { offset: 3, ms: 60_000, name: '1m' },
] as const;
const zeros = () => [0, 0, 0, 0, 0, 0];

export const packetSpec: StateSpec<PacketState> = {
  kind: 'window',

  decode(text, _target, nowMs) {
    const stored = parse(text);
    const s = windowStart(nowMs, 1_000);
    const m = windowStart(nowMs, 60_000);
    if (!stored) return { s, m, p: zeros(), d: {} };
    // Counts of an ended window start again from zero (a later start from a clock ahead is kept: it only refuses early).
    const roll = (counts: number[]) => counts.map((n, i) => ((i < 3 ? stored.s < s : stored.m < m) ? 0 : n));
    const d: Record<string, number[]> = {};
    for (const [member, counts] of Object.entries(stored.d)) {
      const rolled = roll(counts);
      if (rolled.some((n) => n > 0)) d[member] = rolled;
    }
    return { s: Math.max(s, stored.s), m: Math.max(m, stored.m), p: roll(stored.p), d };
  },

  encode: (state) => JSON.stringify(state),

  take(state, target, nowMs) {
    const check = target.packets!;
    const cost = target.cost ?? 1;
    const member = target.member ?? '';
    const tiers = [
      { limits: check.parent, counts: state.p },
      { limits: check.member, counts: state.d[member] ?? zeros() },
    ];
    let refused: LimitDecision | undefined;
    let closest: LimitDecision | undefined;
    for (const { limits, counts } of tiers) {
      if (!limits) continue;
      for (const cls of check.classes) {
        for (const w of WINDOWS) {
          const limit = limits.limits[w.offset + cls];
          if (limit === undefined) continue;
          const used = counts[w.offset + cls]!;
          const fits = used + cost <= limit;
          const resetMs = windowStart(nowMs, w.ms) + w.ms - nowMs;
          const decision = decisionOf(limits.rules[cls]!, target, w, limit, fits ? limit - used - cost : Math.max(0, limit - used), fits, resetMs);
          if (!fits && (!refused || decision.retryAfterMs > refused.retryAfterMs)) refused = decision;
          if (fits && (!closest || decision.remaining < closest.remaining)) closest = decision;
        }
      }
    }
    if (refused) return { decision: refused, next: state };
    const next: PacketState = { ...state, p: [...state.p], d: { ...state.d } };
    const memberCounts = [...(state.d[member] ?? zeros())];
    for (const cls of check.classes) {
      for (const w of WINDOWS) {
        if (check.parent) next.p[w.offset + cls]! += cost;
        if (check.member) memberCounts[w.offset + cls]! += cost;
      }
    }
    if (check.member) next.d[member] = memberCounts;
    return { decision: closest ?? decisionOf(target.rule, target, WINDOWS[0], 0, 0, true, 0), next };
  },

  refund(state, target) {
    const check = target.packets!;
    const cost = target.cost ?? 1;
    const member = target.member ?? '';
    const next: PacketState = { ...state, p: [...state.p], d: { ...state.d } };
    const memberCounts = state.d[member] ? [...state.d[member]!] : undefined;
    for (const cls of check.classes) {
      for (const w of WINDOWS) {
        if (check.parent) next.p[w.offset + cls] = Math.max(0, next.p[w.offset + cls]! - cost);
        if (memberCounts) memberCounts[w.offset + cls] = Math.max(0, memberCounts[w.offset + cls]! - cost);
      }
    }
    if (memberCounts) next.d[member] = memberCounts;
    return next;
  },

  // The longest window plus a margin for clock skew: an older row counts nothing anyway.
  ttlSeconds: () => 120,
};

function decisionOf(rule: Rule, target: Target, w: (typeof WINDOWS)[number], limit: number, remaining: number, allowed: boolean, resetMs: number): LimitDecision {
  return {
    rule,
    kind: 'window',
    caller: target.partition.caller,
    allowed,
    limit,
    remaining,
    retryAfterMs: allowed ? 0 : resetMs,
    resetMs,
    window: w.name,
    windowSeconds: w.ms / 1000,
    usedShare: limit === 0 ? 1 : Math.min(1, (limit - remaining) / limit),
  };
}

function parse(text: string | undefined): PacketState | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<PacketState>;
    if (typeof value.s !== 'number' || typeof value.m !== 'number' || !Array.isArray(value.p) || typeof value.d !== 'object' || value.d === null) return undefined;
    return value as PacketState;
  } catch {
    // A row this code did not write (or a corrupt one) reads as a new partition: nothing counted.
    return undefined;
  }
}

