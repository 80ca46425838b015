/**
 * The exact sliding window (engine/throttle.ts: a call log per partition, compare-and-set,
 * partition groups, the onStoreError fallbacks) as a Limiter. It is the last limiter a request
 * meets (engine/limiter-chain.ts), so it never has to take an admission back: the throttle's own
 * admit() already keeps several windows all or nothing.
 */
import type { Limiter, LimitDecision, LimiterOutcome } from '../limiter.js';
import type { Throttle, Verdict } from '../throttle.js';

export function createWindowLimiter(throttle: Throttle): Limiter {
  return {
    kind: 'window',
    async take({ targets }) {
      return outcomeOf(await throttle.check(targets));
    },
    blocked(targets) {
      const verdict = throttle.blocked(targets);
      return verdict ? outcomeOf(verdict) : undefined;
    },
  };
}

export function outcomeOf(verdict: Verdict): LimiterOutcome {
  return {
    admitted: verdict.admitted,
    decisions: windowDecisions(verdict),
    via: verdict.via,
    ...(verdict.via === 'deny' ? { unavailable: true } : {}),
  };
}

/**
 * One decision per window of every rule the verdict looked at: an admitted request took one call
 * from each window; a refused one took none.
 */
export function windowDecisions(verdict: Verdict): LimitDecision[] {
  const taken = verdict.admitted ? 1 : 0;
  const decisions: LimitDecision[] = [];
  for (const { target, decision } of verdict.decisions) {
    for (const w of decision.windows) {
      decisions.push({
        rule: target.rule,
        kind: 'window',
        caller: target.partition.caller,
        allowed: w.allowed,
        limit: w.limit.count,
        remaining: Math.max(0, w.limit.count - w.used - taken),
        retryAfterMs: w.allowed ? 0 : w.resetMs,
        resetMs: Math.max(0, w.resetMs),
        window: w.limit.window,
        windowSeconds: Math.round(w.limit.windowMs / 1000),
        usedShare: Math.min(1, (w.used + taken) / w.limit.count),
      });
    }
  }
  return decisions;
}
