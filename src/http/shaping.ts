/**
 * The QoS notes' shaping actions on a refusal, per rule: "reject" (the default) answers at once;
 * "delay" holds the request until it fits — the limiters tell when (retryAfterMs) — and asks
 * again, at most the rule's maxWait in all and with at most maxQueue requests waiting per rule and
 * key on this instance; past either, the request is refused as under "reject". A delayed request
 * is answered with `Throttle-Delay: <ms>` (the throttle middleware), so a wait longer than the
 * decision deadline is never silent. ("mark" is planned apart: engine/plan-request.ts.)
 *
 * A wait holds no lock and no slot: nothing was taken by the refused attempt (the chain is all or
 * nothing), and every attempt is a whole new decision, exact like the first.
 */
import type { Target } from '../engine/admit.js';
import type { ChainOutcome, LimiterChain } from '../engine/limiter-chain.js';
import type { Clock } from '../clock.js';

/** How many requests wait, per rule and key, on this instance. */
export class DelayQueues {
  private readonly waiting = new Map<string, number>();

  /** Takes a place in every queue, or none if one is full. */
  enter(keys: ReadonlyArray<{ key: string; max: number }>): boolean {
    if (keys.some(({ key, max }) => (this.waiting.get(key) ?? 0) >= max)) return false;
    for (const { key } of keys) this.waiting.set(key, (this.waiting.get(key) ?? 0) + 1);
    return true;
  }

  leave(keys: ReadonlyArray<{ key: string }>): void {
    for (const { key } of keys) {
      const n = (this.waiting.get(key) ?? 1) - 1;
      if (n <= 0) this.waiting.delete(key);
      else this.waiting.set(key, n);
    }
  }

  /** Requests waiting now (all queues). */
  get size(): number {
    let n = 0;
    for (const v of this.waiting.values()) n += v;
    return n;
  }
}

export interface ShapingOptions {
  clock: Clock;
  queues: DelayQueues;
  /** Waits (tests pass one that moves an injected clock). */
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The delay every refusing rule allows, or undefined when one of them rejects. */
function delayOf(outcome: ChainOutcome): { maxWaitMs: number; queues: Array<{ key: string; max: number }>; rules: string[] } | undefined {
  if (outcome.admitted || outcome.unavailable) return undefined;
  const refusing = outcome.decisions.filter((d) => !d.allowed);
  if (refusing.length === 0) return undefined;
  let maxWaitMs = Infinity;
  const queues: Array<{ key: string; max: number }> = [];
  for (const d of refusing) {
    const action = d.rule.action;
    if (action.kind !== 'delay') return undefined;
    maxWaitMs = Math.min(maxWaitMs, action.maxWaitMs);
    queues.push({ key: `${d.rule.id}\u0000${d.caller}`, max: action.maxQueue });
  }
  return { maxWaitMs, queues, rules: refusing.map((d) => d.rule.id) };
}

export async function takeShaped(
  chain: LimiterChain,
  targets: readonly Target[],
  nowMs: number,
  leaseId: string,
  options: ShapingOptions,
): Promise<{ outcome: ChainOutcome; waitedMs: number; delayedBy: readonly string[] }> {
  let outcome = await chain.take(targets, nowMs, leaseId);
  const delay = delayOf(outcome);
  if (!delay || !options.queues.enter(delay.queues)) return { outcome, waitedMs: 0, delayedBy: [] };
  const sleep = options.sleep ?? realSleep;
  const started = options.clock();
  try {
    for (;;) {
      const waitMs = Math.max(1, ...outcome.decisions.filter((d) => !d.allowed).map((d) => d.retryAfterMs));
      if (options.clock() - started + waitMs > delay.maxWaitMs) return { outcome, waitedMs: 0, delayedBy: [] };
      await sleep(waitMs);
      outcome = await chain.take(targets, options.clock(), leaseId);
      if (outcome.admitted) return { outcome, waitedMs: Math.max(1, options.clock() - started), delayedBy: delay.rules };
      // Refused again: by a rule that still allows waiting (and within the first wait's budget), or for good.
      if (!delayOf(outcome)) return { outcome, waitedMs: 0, delayedBy: [] };
    }
  } finally {
    options.queues.leave(delay.queues);
  }
}
