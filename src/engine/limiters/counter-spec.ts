/**
 * Exact fixed-window counters (Kazoo's per_second / per_minute packet limits with
 * consistency 'exact') as a StateSpec for the generic state limiter (state-limiter.ts): one small
 * state per partition, `{"w": [{"start": ..., "count": ...}, ...]}`, one entry per limit of the
 * rule in its order, written by compare-and-set. Never more than the limit across instances while
 * the store answers, at the price of a compare-and-set (a Paxos round on Cassandra) per decision;
 * limiters/fast-limiter.ts trades that exactness for speed.
 *
 * Clock skew between instances: an entry whose window starts after this instance's current one
 * (another instance's clock is ahead) is counted as if it were the current window, and a take
 * keeps the later start. That can only refuse early, never admit more.
 */
import type { Limit } from '../../rules/rule.js';
import type { Target } from '../admit.js';
import { TTL_MARGIN_SECONDS } from '../decide.js';
import { decideFixedWindows, windowLimitDecisions, windowStart } from '../fixed-window.js';
import type { StateSpec } from './state-limiter.js';

/** One limit's window: its start (epoch ms) and what it has counted. */
export interface CounterWindow {
  start: number;
  count: number;
}

/** The stored state: `w[i]` is the window of the rule's `limits[i]`. */
export interface CounterState {
  w: CounterWindow[];
}

export const counterSpec: StateSpec<CounterState> = {
  kind: 'window',

  decode(text, target, nowMs) {
    const stored = parse(text);
    // A rule whose limits changed since the write keeps the entries it still has by position;
    // a missing or malformed entry is an empty current window.
    return {
      w: target.rule.limits.map((limit, i) => {
        const entry = stored?.[i];
        return isWindow(entry) ? entry : { start: windowStart(nowMs, limit.windowMs), count: 0 };
      }),
    };
  },

  encode(state) {
    return JSON.stringify({ w: state.w.map(({ start, count }) => ({ start, count })) });
  },

  take(state, target, nowMs) {
    const limits = target.rule.limits;
    const cost = target.cost ?? 1;
    const counts = limits.map((limit, i) => currentCount(state.w[i], limit, nowMs));
    const decision = decideFixedWindows(limits, counts, cost, nowMs);
    const next: CounterState = decision.allowed
      ? {
          w: limits.map((limit, i) => ({
            start: Math.max(windowStart(nowMs, limit.windowMs), state.w[i]?.start ?? 0),
            count: counts[i]! + cost,
          })),
        }
      : state;
    const decisions = windowLimitDecisions(target.rule, target.partition.caller, decision, cost);
    // The generic limiter answers one decision per target: the window that binds, i.e. the
    // refused window that ends last, or when admitted the one with the least left.
    return { decision: binding(decisions), next };
  },

  refund(state, target, nowMs) {
    const cost = target.cost ?? 1;
    return {
      w: target.rule.limits.map((limit, i) => {
        const entry = state.w[i] ?? { start: windowStart(nowMs, limit.windowMs), count: 0 };
        // Only the window the admission went into gives back; once it has ended there is nothing
        // to return (and a later window's count must not shrink for it).
        if (entry.start !== windowStart(nowMs, limit.windowMs)) return entry;
        return { start: entry.start, count: Math.max(0, entry.count - cost) };
      }),
    };
  },

  ttlSeconds(target) {
    // The longest window, plus the margin the call log uses for clock skew between instances.
    return Math.ceil(Math.max(...target.rule.limits.map((l) => l.windowMs)) / 1000) + TTL_MARGIN_SECONDS;
  },
};

/** What `entry` counts for the window `nowMs` falls in: nothing once that window has ended. */
function currentCount(entry: CounterWindow | undefined, limit: Limit, nowMs: number): number {
  if (!entry) return 0;
  return entry.start >= windowStart(nowMs, limit.windowMs) ? entry.count : 0;
}

function binding<T extends { allowed: boolean; retryAfterMs: number; remaining: number; limit: number }>(decisions: readonly T[]): T {
  const refused = decisions.filter((d) => !d.allowed);
  if (refused.length > 0) return refused.reduce((a, b) => (b.retryAfterMs > a.retryAfterMs ? b : a));
  return decisions.reduce((a, b) => (b.remaining < a.remaining ? b : a));
}

function parse(text: string | undefined): unknown[] | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as { w?: unknown };
    return Array.isArray(value?.w) ? value.w : undefined;
  } catch {
    // A row this code cannot read (written by a different version) counts as a new partition:
    // at worst one window admits its count again, which a fixed window allows at a boundary anyway.
    return undefined;
  }
}

function isWindow(value: unknown): value is CounterWindow {
  const v = value as CounterWindow | undefined;
  return typeof v?.start === 'number' && Number.isFinite(v.start) && Number.isInteger(v.count) && v.count >= 0;
}
