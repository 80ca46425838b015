/**
 * The limiter seam: every kind of limit (rules/rule.ts's LimitKind) is decided by one Limiter,
 * and the throttle asks them through this one interface (engine/limiter-chain.ts runs them in
 * order, all or nothing). A limiter owns its store (a call log, slots, versioned states) and its
 * pure decision; what it answers is the same shape for all kinds, so the HTTP layer renders
 * headers, errors and decision events once.
 */
import type { LimitKind, Rule } from '../rules/rule.js';
import type { Target } from './admit.js';
import type { Via } from './throttle.js';

/** One rule's answer for one request. */
export interface LimitDecision {
  rule: Rule;
  kind: LimitKind;
  /** The partition key (the HMAC of the normalised key). */
  caller: string;
  allowed: boolean;
  /** The quota: a window's count, a concurrent limit's max, a bucket's size. */
  limit: number;
  /**
   * What is left after this request. A refused request took nothing, so it is what is left now:
   * less than its cost (0 for a full window or a bucket short of the cost), or more when another
   * limit refused it.
   */
  remaining: number;
  /** Denied: ms until the request would fit. Allowed: 0. */
  retryAfterMs: number;
  /** Ms until the quota is whole again (a window's oldest call leaves, a bucket is full). */
  resetMs: number;
  /** The window as written ("1h", "2/30" as "30s"), "at once" for slots, the fill period for a bucket. */
  window: string;
  /** The window in seconds, for the RateLimit-Policy header. */
  windowSeconds: number;
  /** Share of the quota in use after this request (0..1), for metrics. */
  usedShare?: number;
  /** Carrier rules: the carrier that took the request. */
  carrier?: string;
}

export interface LimiterRequest {
  /** The partitions of this limiter's rules a request touches. */
  targets: readonly Target[];
  nowMs: number;
  /** Slot-holding kinds hold their slots under this id (the sid of the resource the request creates). */
  leaseId: string;
}

export interface LimiterOutcome {
  admitted: boolean;
  /** One per target (fallbacks that decide without looking may answer none). */
  decisions: LimitDecision[];
  via: Via;
  /**
   * Gives back what an admission took: called when a limiter after this one refuses the request,
   * or (for kinds that hold until the resource ends) when the handler fails. Never throws.
   */
  undo?: () => Promise<void>;
  /** The admission holds something until the resource the request creates ends (slots): keep it past the handler. */
  holds?: boolean;
  /** The store failed and the rule said deny: the request is refused with 503, not the rule's error. */
  unavailable?: boolean;
}

export interface Limiter {
  readonly kind: LimitKind;
  /** Decides `request.targets` together: all admitted or none consumed. */
  take(request: LimiterRequest): Promise<LimiterOutcome>;
  /** A denial this instance knows without a store round trip, counting nothing; undefined if none. */
  blocked?(targets: readonly Target[], nowMs: number): LimiterOutcome | undefined;
  /** A limiter that decides in memory (fast mode): take() itself, without the promise. */
  takeNow?(request: LimiterRequest): LimiterOutcome;
}
