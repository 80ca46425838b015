/**
 * Shared limits ({"kind": "shared"}: an account's capacity shared by its devices with borrowing, a
 * hierarchical token bucket) as a StateSpec for the generic state limiter (state-limiter.ts): one
 * state per parent partition (the rule's key, an account) holding the parent's bucket and its
 * active members' buckets, stored as `{"p": [tokens, atMs], "m": {member: [tokens, ctokens, atMs, green, borrowed]}}`
 * and written by compare-and-set. The member is `target.member` (the HMAC of the member key); a
 * request without one counts as the anonymous member "". The math is engine/hierarchical-bucket.ts.
 */
import type { SharedLimit } from '../../rules/rule.js';
import type { Target } from '../admit.js';
import { TTL_MARGIN_SECONDS } from '../decide.js';
import { newSharedState, ratesOf, refundShared, takeShared, type MemberState, type SharedState } from '../hierarchical-bucket.js';
import type { LimitDecision } from '../limiter.js';
import type { StateSpec } from './state-limiter.js';

export const sharedSpec: StateSpec<SharedState> = {
  kind: 'shared',

  decode(text, target, nowMs) {
    return parse(text) ?? newSharedState(sharedOf(target), nowMs);
  },

  encode(state) {
    const m: Record<string, number[]> = {};
    for (const [id, member] of Object.entries(state.members)) m[id] = [member.tokens, member.ctokens, member.atMs, member.green ?? 0, member.borrowed ?? 0];
    return JSON.stringify({ p: [state.parent.tokens, state.parent.atMs], m });
  },

  take(state, target, nowMs) {
    const limit = sharedOf(target);
    const taken = takeShared(limit, state, target.member ?? '', target.cost ?? 1, nowMs);
    const decision: LimitDecision = {
      rule: target.rule,
      kind: 'shared',
      caller: target.partition.caller,
      allowed: taken.allowed,
      limit: taken.limit,
      remaining: taken.remaining,
      retryAfterMs: taken.retryAfterMs,
      resetMs: Math.ceil(taken.resetMs),
      window: limit.per,
      windowSeconds: limit.perMs / 1000,
      usedShare: taken.usedShare,
    };
    return { decision, next: taken.next };
  },

  refund(state, target, nowMs) {
    return refundShared(sharedOf(target), state, target.member ?? '', target.cost ?? 1, nowMs);
  },

  ttlSeconds(target) {
    // Untouched this long, the parent and every member are full: a missing row reads the same.
    return Math.ceil(ratesOf(sharedOf(target)).fullMs / 1000) + TTL_MARGIN_SECONDS;
  },
};

function sharedOf(target: Target): SharedLimit {
  const shared = target.rule.shared;
  if (!shared) throw new Error(`rule ${target.rule.id} is decided as a shared limit but has none`);
  return shared;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The stored state, or undefined for a new partition. A row this code cannot read (another
 * version's) reads as new: full buckets, what the row becomes untouched anyway; a malformed member
 * alone is dropped (it comes back full, as a new member would).
 */
function parse(text: string | undefined): SharedState | undefined {
  if (text === undefined) return undefined;
  let value: { p?: unknown; m?: unknown };
  try {
    value = JSON.parse(text) as { p?: unknown; m?: unknown };
  } catch {
    return undefined;
  }
  const p = value?.p;
  if (!Array.isArray(p) || !isNumber(p[0]) || !isNumber(p[1])) return undefined;
  const members: Record<string, MemberState> = {};
  if (typeof value.m === 'object' && value.m !== null) {
    for (const [id, raw] of Object.entries(value.m as Record<string, unknown>)) {
      if (!Array.isArray(raw) || !raw.slice(0, 3).every(isNumber)) continue;
      const extra = (i: number) => (isNumber(raw[i]) ? Math.max(0, raw[i]) : 0);
      members[id] = { tokens: Math.max(0, raw[0]), ctokens: Math.max(0, raw[1]), atMs: raw[2], green: extra(3), borrowed: extra(4) };
    }
  }
  return { parent: { tokens: Math.max(0, p[0]), atMs: p[1] }, members };
}
