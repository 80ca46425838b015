/**
 * A hierarchical token bucket (Linux HTB, the QoS notes' CBQ "borrowing"), pure: one parent (an
 * account: `rate` tokens per period, bucket `burst`) shared by members (its devices). Each member
 * is assured `share` per period and may take up to `ceil` by borrowing what its siblings leave.
 *
 * As in HTB each member has `tokens` (refilled at share) and `ctokens` (refilled at ceil), the
 * parent its own tokens (refilled at rate), buckets sized in proportion to their rates (a member's
 * tokens hold share * burst / rate, at least 1; its ctokens ceil * burst / rate). A request of
 * member m costing c is admitted
 *   green  (within its share)  if m.tokens, m.ctokens and the parent all hold c; it takes c from each;
 *   yellow (borrowing)         if m.ctokens hold c and the parent holds c beyond a headroom; it takes c
 *                              from m.ctokens and the parent (HTB charges a borrower's ceil and the
 *                              lender, not its own rate).
 * Departures from HTB, so that the account never exceeds rate * time + burst (the point of an
 * account limit; HTB lets a leaf's own bucket overdraw its parent) with no queue to schedule from:
 *  - green needs the parent's tokens too, so no bucket ever goes negative;
 *  - priority instead of debt: borrowers leave the parent's last `headroom` tokens (one member's
 *    bucket) to green sends. While the members within their shares ask for the whole rate, they
 *    keep the parent below the headroom and borrowers get nothing: A is pushed back to its share.
 *    A member waking up finds the headroom and gets its burst at once.
 *  - fairness among borrowers, for HTB's round robin: a member that has borrowed more than an
 *    active sibling (by more than one request, borrowing decaying over fullMs) must also leave a
 *    `penalty` of tokens, so the sibling that borrowed less gets the next spare tokens.
 * Both only hold back part of the parent's burst, never its rate: what nobody within a share asks
 * for is always lent.
 *
 * A member not admitted for fullMs is full again: equal to a new member, dropped from the state.
 * At most MAX_MEMBERS are kept; past that the least recently admitted (the fullest) go first.
 * Forgetting a member only forgets its borrowing record: the total stays bounded by the parent.
 */
import type { SharedLimit } from '../rules/rule.js';
import { TOKEN_EPSILON as EPS } from './token-bucket.js';

export interface ParentState { tokens: number; atMs: number }
/** A member: buckets as of `atMs`, its last admission. */
export interface MemberState {
  tokens: number;
  ctokens: number;
  atMs: number;
  /** Tokens its last admission took from `tokens` (0 when it borrowed): what a refund gives back. */
  green?: number;
  /** Tokens borrowed, decaying by e every fullMs (fairness among borrowers). */
  borrowed?: number;
}
export interface SharedState {
  parent: ParentState;
  members: Readonly<Record<string, MemberState>>;
}

export interface SharedTake {
  allowed: boolean;
  /** Admitted by borrowing (yellow) rather than within the member's share (green). */
  borrowed: boolean;
  next: SharedState;
  /** share, or ceil when borrowing. */
  limit: number;
  /** Whole requests of cost 1 left within `limit` now: of the share, or of what may be borrowed (0 when refused). */
  remaining: number;
  retryAfterMs: number;
  /** Until the member's buckets and the parent are full. */
  resetMs: number;
  /** The share of the parent's bucket in use after the request (0..1). */
  usedShare: number;
  /** The cost can never fit (larger than the buckets): Retry-After is then fullMs, as for a bucket (token-bucket.ts). */
  neverFits: boolean;
}

export interface Rates {
  parentPerMs: number;
  sharePerMs: number;
  ceilPerMs: number;
  parentCap: number;
  tokenCap: number;
  ctokenCap: number;
  /** Every bucket fills from empty within this. */
  fullMs: number;
}

export const MAX_MEMBERS = 1_000;

export function ratesOf(limit: SharedLimit): Rates {
  const parentPerMs = limit.rate / limit.perMs;
  const sharePerMs = limit.share / limit.perMs;
  const ceilPerMs = limit.ceil / limit.perMs;
  const tokenCap = Math.max(1, (limit.share * limit.burst) / limit.rate);
  const ctokenCap = Math.max(1, (limit.ceil * limit.burst) / limit.rate);
  const fullMs = Math.ceil(Math.max(limit.burst / parentPerMs, tokenCap / sharePerMs, ctokenCap / ceilPerMs));
  return { parentPerMs, sharePerMs, ceilPerMs, parentCap: limit.burst, tokenCap, ctokenCap, fullMs };
}

export function newSharedState(limit: SharedLimit, nowMs: number): SharedState {
  return { parent: { tokens: limit.burst, atMs: nowMs }, members: {} };
}

export function takeShared(limit: SharedLimit, state: SharedState, memberId: string, cost: number, nowMs: number): SharedTake {
  const r = ratesOf(limit);
  const parent = refillParent(r, state.parent, nowMs);
  const members = activeMembers(r, state.members, nowMs);
  const m = members[memberId] ? refillMember(r, members[memberId], nowMs) : { tokens: r.tokenCap, ctokens: r.ctokenCap, atMs: nowMs, borrowed: 0 };
  // Until when this member must leave the penalty too (0: it need not).
  // (A member idle for fullMs is dropped and comes back new, its record gone: that ends it too.)
  const ownDropMs = members[memberId] ? r.fullMs - (nowMs - members[memberId].atMs) : Infinity;
  const penaltyEndMs = Math.min(ownDropMs, penaltyEnd(r, members, memberId, m.borrowed ?? 0, cost, nowMs));
  const keep = r.tokenCap + (penaltyEndMs > 0 ? penaltyOf(r, cost) : 0);
  const green = m.tokens + EPS >= cost && m.ctokens + EPS >= cost && parent.tokens + EPS >= cost;
  const yellow = !green && m.ctokens + EPS >= cost && parent.tokens - cost + EPS >= keep;
  const allowed = cost <= 0 || green || yellow;

  let nextParent = parent;
  let member: MemberState = m;
  if (allowed && cost > 0) {
    nextParent = { tokens: Math.max(0, parent.tokens - cost), atMs: parent.atMs };
    member = {
      tokens: green ? Math.max(0, m.tokens - cost) : m.tokens,
      ctokens: Math.max(0, m.ctokens - cost),
      atMs: m.atMs,
      green: green ? cost : 0,
      borrowed: (m.borrowed ?? 0) + (green ? 0 : cost),
    };
    members[memberId] = member;
    evictOldest(members, memberId);
  }
  const next: SharedState = { parent: nextParent, members };
  const resetMs = Math.max(until(nextParent.tokens, r.parentCap, r.parentPerMs), until(member.tokens, r.tokenCap, r.sharePerMs), until(member.ctokens, r.ctokenCap, r.ceilPerMs));
  const usedShare = Math.min(1, Math.max(0, (r.parentCap - nextParent.tokens) / r.parentCap));
  if (allowed) {
    // Within the limit answered: what is left of the share, or of what may still be borrowed now.
    const room = yellow ? Math.min(member.ctokens, nextParent.tokens - keep) : Math.min(member.tokens, member.ctokens, nextParent.tokens);
    return { allowed, borrowed: yellow, next, limit: yellow ? limit.ceil : limit.share, remaining: Math.max(0, Math.floor(room + EPS)), retryAfterMs: 0, resetMs, usedShare, neverFits: false };
  }
  const greenWait = Math.max(until(m.tokens, cost, r.sharePerMs, r.tokenCap), until(m.ctokens, cost, r.ceilPerMs, r.ctokenCap), until(parent.tokens, cost, r.parentPerMs, r.parentCap));
  const wait = Math.min(greenWait, yellowWait(r, parent.tokens, m.ctokens, cost, penaltyEndMs));
  const neverFits = wait === Infinity;
  const retryAfterMs = neverFits ? r.fullMs : Math.max(1, Math.ceil(wait - EPS));
  return { allowed, borrowed: false, next, limit: limit.share, remaining: 0, retryAfterMs, resetMs, usedShare, neverFits };
}

/** Gives an admission back: the parent and the member's ctokens get the cost, its tokens what it took. */
export function refundShared(limit: SharedLimit, state: SharedState, memberId: string, cost: number, nowMs: number): SharedState {
  const r = ratesOf(limit);
  const parent = refillParent(r, state.parent, nowMs);
  const members = activeMembers(r, state.members, nowMs);
  const nextParent = { tokens: Math.min(r.parentCap, parent.tokens + cost), atMs: parent.atMs };
  const stored = members[memberId];
  // A member no longer in the state is full already: nothing to give it.
  if (stored) {
    const m = refillMember(r, stored, nowMs);
    const green = Math.min(cost, m.green ?? 0);
    members[memberId] = {
      tokens: Math.min(r.tokenCap, m.tokens + green),
      ctokens: Math.min(r.ctokenCap, m.ctokens + cost),
      atMs: m.atMs,
      green: 0,
      borrowed: Math.max(0, (m.borrowed ?? 0) - (cost - green)),
    };
  }
  return { parent: nextParent, members };
}

/** What a borrower that out-borrowed a sibling leaves besides the headroom; small enough that it can still borrow. */
function penaltyOf(r: Rates, cost: number): number {
  return Math.min(r.tokenCap, Math.max(0, (r.parentCap - r.tokenCap - cost) / 2));
}

/**
 * Ms from now until no active sibling has borrowed less than this member by more than one
 * request (`max(cost, 1)`): borrowing decays alike for all, so each gap closes at a known time,
 * or the sibling drops out when idle. 0 when there is no such sibling now.
 */
function penaltyEnd(r: Rates, members: Readonly<Record<string, MemberState>>, memberId: string, borrowedNow: number, cost: number, nowMs: number): number {
  const margin = Math.max(cost, 1);
  let end = 0;
  for (const [id, k] of Object.entries(members)) {
    if (id === memberId) continue;
    const elapsed = Math.max(0, nowMs - k.atMs);
    const gap = borrowedNow - (k.borrowed ?? 0) * Math.exp(-elapsed / r.fullMs);
    if (gap <= margin + EPS) continue;
    end = Math.max(end, Math.min(r.fullMs - elapsed, r.fullMs * Math.log(gap / margin)));
  }
  return end;
}

/**
 * Ms until the member could borrow (nobody else taking): its ctokens hold the cost and the parent
 * the cost beyond the headroom, and beyond the penalty too before `penaltyEndMs`.
 */
function yellowWait(r: Rates, parent: number, ctokens: number, cost: number, penaltyEndMs: number): number {
  const ctokensAt = until(ctokens, cost, r.ceilPerMs, r.ctokenCap);
  const plain = Math.max(ctokensAt, penaltyEndMs, until(parent, cost + r.tokenCap, r.parentPerMs, r.parentCap));
  if (penaltyEndMs <= 0) return plain;
  const penalized = Math.max(ctokensAt, until(parent, cost + r.tokenCap + penaltyOf(r, cost), r.parentPerMs, r.parentCap));
  return penalized < penaltyEndMs ? penalized : plain;
}

/** Ms until `value`, growing at `perMs` up to `cap`, reaches `wanted`; Infinity if the cap is below it. */
function until(value: number, wanted: number, perMs: number, cap = Infinity): number {
  if (value + EPS >= wanted) return 0;
  if (wanted > cap + EPS) return Infinity;
  return (wanted - value) / perMs;
}

/** A clock behind the stored time adds nothing and keeps the stored time (no stretch counted twice). */
function refillParent(r: Rates, parent: ParentState, nowMs: number): ParentState {
  const elapsed = Math.max(0, nowMs - parent.atMs);
  return { tokens: Math.min(r.parentCap, parent.tokens + elapsed * r.parentPerMs), atMs: Math.max(parent.atMs, nowMs) };
}

function refillMember(r: Rates, m: MemberState, nowMs: number): MemberState {
  const elapsed = Math.max(0, nowMs - m.atMs);
  return {
    tokens: Math.min(r.tokenCap, m.tokens + elapsed * r.sharePerMs),
    ctokens: Math.min(r.ctokenCap, m.ctokens + elapsed * r.ceilPerMs),
    atMs: Math.max(m.atMs, nowMs),
    green: m.green ?? 0,
    borrowed: (m.borrowed ?? 0) * Math.exp(-elapsed / r.fullMs),
  };
}

/** The members admitted within fullMs (the others are full: equal to new), as a fresh object. */
function activeMembers(r: Rates, members: Readonly<Record<string, MemberState>>, nowMs: number): Record<string, MemberState> {
  const out: Record<string, MemberState> = {};
  for (const [id, m] of Object.entries(members)) if (nowMs - m.atMs < r.fullMs) out[id] = m;
  return out;
}

function evictOldest(members: Record<string, MemberState>, keep: string): void {
  const ids = Object.keys(members);
  if (ids.length <= MAX_MEMBERS) return;
  const oldest = ids.filter((id) => id !== keep).sort((a, b) => members[a]!.atMs - members[b]!.atMs);
  for (const id of oldest.slice(0, ids.length - MAX_MEMBERS)) delete members[id];
}
