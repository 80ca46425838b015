/**
 * decide(limits, calls, now): the sliding-window decision for one partition. Pure.
 *
 * A limit of `count` per `windowMs` admits a call at `now` iff fewer than `count` admitted calls
 * lie in (now - windowMs, now]: any window-long span, never time cut into slots. A call made at t
 * stops counting at exactly t + windowMs. When a window is full, the count-th newest call in it
 * is the one that must leave before another call fits, which gives Retry-After exactly.
 */
import type { Limit } from '../rules/rule.js';

export interface WindowDecision {
  limit: Limit;
  /** Calls already in the window, before this one. */
  used: number;
  allowed: boolean;
  /** Milliseconds until the window has room again (denied) or until its oldest counted call leaves. */
  resetMs: number;
}

export interface Decision {
  allowed: boolean;
  windows: WindowDecision[];
  /** For a denial: milliseconds until every full window has room; 0 when allowed. */
  retryAfterMs: number;
}

/** `callsMs` must be newest first (as CallLog.read returns them). */
export function decide(limits: readonly Limit[], callsMs: readonly number[], nowMs: number): Decision {
  const windows = limits.map((limit): WindowDecision => {
    const start = nowMs - limit.windowMs;
    let used = 0;
    while (used < callsMs.length && callsMs[used]! > start) used++;
    const allowed = used < limit.count;
    if (!allowed) {
      const leaving = callsMs[limit.count - 1]!;
      return { limit, used, allowed, resetMs: leaving + limit.windowMs - nowMs };
    }
    const oldest = used > 0 ? callsMs[used - 1]! : nowMs;
    return { limit, used, allowed, resetMs: oldest + limit.windowMs - nowMs };
  });
  const denied = windows.filter((w) => !w.allowed);
  return {
    allowed: denied.length === 0,
    windows,
    retryAfterMs: denied.reduce((max, w) => Math.max(max, w.resetMs), 0),
  };
}

/** What one decision must read: the newest `maxCount` calls within the longest window. */
export function readPlan(limits: readonly Limit[]): { windowMs: number; count: number } {
  return {
    windowMs: Math.max(...limits.map((l) => l.windowMs)),
    count: Math.max(...limits.map((l) => l.count)),
  };
}

/** Rows live for the rule's longest window plus a margin for clock skew between instances. */
export const TTL_MARGIN_SECONDS = 60;

export function ttlSecondsFor(limits: readonly Limit[]): number {
  return Math.ceil(readPlan(limits).windowMs / 1000) + TTL_MARGIN_SECONDS;
}
