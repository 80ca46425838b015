/**
 * Fixed windows aligned to the epoch, as Kazoo's per_second / per_minute packet limits count them
 * (design note 003): a limit of `count` per `windowMs` counts what was admitted in
 * [k * windowMs, (k + 1) * windowMs) and starts again from zero at the next boundary. Pure: the
 * fast limiter (limiters/fast-limiter.ts) decides with it; the exact packet counters
 * (limiters/packet-spec.ts) count the same windows, an account's and its devices' in one state.
 *
 * Unlike the sliding window (decide.ts), a fixed window lets up to 2 x count through across one
 * boundary (count at the end of one window, count at the start of the next): that is what Kazoo's
 * counters do and what an SBC's packet limits expect, and it needs one number per window instead
 * of one row per call.
 */
import type { Limit, Rule } from '../rules/rule.js';
import type { LimitDecision } from './limiter.js';

/** The start of the window `nowMs` falls in: windows are [k * windowMs, (k + 1) * windowMs). */
export function windowStart(nowMs: number, windowMs: number): number {
  return Math.floor(nowMs / windowMs) * windowMs;
}

/** One limit's window at the time of a decision. */
export interface FixedWindowUse {
  limit: Limit;
  /** Start of the current window (epoch ms). */
  startMs: number;
  /** Already counted in this window, before this request. */
  used: number;
  /** Whether this request's cost fits in this window. */
  allowed: boolean;
  /** Left after this request if the whole decision admits it; what is left untouched otherwise. */
  remaining: number;
  /** Ms until this window ends and its count starts again from zero. */
  resetMs: number;
}

export interface FixedWindowDecision {
  /** Every window has room for the cost. */
  allowed: boolean;
  /** One per limit, in the rule's order. */
  windows: FixedWindowUse[];
  /**
   * Refused: ms until the latest of the full windows ends (then every one of them is empty
   * again). Admitted: 0.
   */
  retryAfterMs: number;
  /**
   * The cost is larger than some limit's whole count: no window will ever take it, waiting does
   * not help. The decision is a refusal whose retryAfterMs is still the end of the latest window
   * (a number a client can act on, like the token bucket's "time to full"); callers that can say
   * more (logs, explain) read this flag.
   */
  neverFits: boolean;
}

/**
 * The decision for one partition. `counts[i]` is what the current window of `limits[i]` has
 * already counted (the caller drops the counts of windows that have ended); `cost` is what this
 * request takes from every window (0: always admitted, nothing taken).
 */
export function decideFixedWindows(limits: readonly Limit[], counts: readonly number[], cost: number, nowMs: number): FixedWindowDecision {
  const windows = limits.map((limit, i): FixedWindowUse => {
    const startMs = windowStart(nowMs, limit.windowMs);
    const used = counts[i] ?? 0;
    const allowed = used + cost <= limit.count;
    return { limit, startMs, used, allowed, remaining: Math.max(0, limit.count - used), resetMs: startMs + limit.windowMs - nowMs };
  });
  const allowed = windows.every((w) => w.allowed);
  if (allowed) for (const w of windows) w.remaining = w.limit.count - w.used - cost;
  const denied = windows.filter((w) => !w.allowed);
  return {
    allowed,
    windows,
    retryAfterMs: denied.reduce((latest, w) => Math.max(latest, w.resetMs), 0),
    neverFits: limits.some((limit) => cost > limit.count),
  };
}

/**
 * What the limiter seam answers (limiter.ts): one LimitDecision per window, as the sliding
 * window's limiter does (limiters/window-limiter.ts), so the HTTP layer renders a RateLimit
 * policy per window. `admitted` is the request's outcome over all its targets (a target whose
 * windows had room is still not charged when another target refused). A refused window reports
 * the time to its own end.
 */
export function windowLimitDecisions(rule: Rule, caller: string, decision: FixedWindowDecision, cost: number, admitted = decision.allowed): LimitDecision[] {
  const taken = admitted ? cost : 0;
  return decision.windows.map((w) => ({
    rule,
    kind: 'window',
    caller,
    allowed: w.allowed,
    limit: w.limit.count,
    remaining: Math.max(0, w.limit.count - w.used - taken),
    retryAfterMs: w.allowed ? 0 : w.resetMs,
    resetMs: w.resetMs,
    window: w.limit.window,
    windowSeconds: Math.round(w.limit.windowMs / 1000),
    usedShare: Math.min(1, (w.used + taken) / w.limit.count),
  }));
}
