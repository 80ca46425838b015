/**
 * The limiters a request meets, in one fixed order, all or nothing: if one refuses, what the
 * limiters before it took is given back (their undo), so a request bound by device, account and
 * system limits at once consumes none of them when any refuses. The order puts the limiters that
 * can give back cheaply first (slots, carriers, buckets) and the exact sliding window last, since
 * a window admission is final once made (its own multi-rule admit is all or nothing inside).
 */
import type { Rule } from '../rules/rule.js';
import type { Target } from './admit.js';
import type { Limiter, LimitDecision, LimiterOutcome } from './limiter.js';
import type { Via } from './throttle.js';

export interface ChainStep {
  limiter: Limiter;
  /** Whether this step decides the rule (its kind, and for windows its consistency). */
  decides(rule: Rule): boolean;
}

export interface ChainOutcome {
  admitted: boolean;
  decisions: LimitDecision[];
  /** The path of the step that refused, or the weakest path among the steps that admitted. */
  via: Via;
  /** A step's store failed under onStoreError "deny": answer 503, not the rule's error. */
  unavailable: boolean;
  /** Something is held until the resource the request creates ends (slots). */
  holds: boolean;
  /** Gives back everything this admission took (never throws). */
  undo: () => Promise<void>;
}

export interface LimiterChain {
  take(targets: readonly Target[], nowMs: number, leaseId: string): Promise<ChainOutcome>;
  /** A denial some limiter knows without a store round trip, counting nothing; undefined if none. */
  blocked(targets: readonly Target[], nowMs: number): ChainOutcome | undefined;
  /**
   * The refusal take() would answer at once: its first limiter's denial from memory (every
   * limiter's take() asks its own blocked() first), so the same answer, with nothing taken before
   * it and nothing to give back. Unlike blocked(), a later limiter's denial does not count: take()
   * would take from the first one before it got there.
   */
  refusedAtOnce(targets: readonly Target[], nowMs: number): ChainOutcome | undefined;
  /**
   * take() without the promise, when one limiter that decides in memory (takeNow) decides every
   * target: the same outcome, for a caller on a hot path (the decision API's fast checks).
   * Undefined when take() must be asked.
   */
  takeNow(targets: readonly Target[], nowMs: number, leaseId: string): ChainOutcome | undefined;
}

const nothing = async () => {};

/** A refusal as the chain answers it: nothing kept, nothing to give back. */
function refused(decisions: LimitDecision[], outcome: LimiterOutcome): ChainOutcome {
  return { admitted: false, decisions, via: outcome.via, unavailable: outcome.unavailable ?? false, holds: false, undo: nothing };
}

/**
 * An admission by the steps that took: its undo gives back what each took, newest first, once
 * however often it is called (a failed handler and a refusal after it).
 */
function admitted(taken: readonly LimiterOutcome[], decisions: LimitDecision[], via: Via): ChainOutcome {
  let kept: LimiterOutcome[] | undefined = [...taken].reverse();
  return {
    admitted: true,
    decisions,
    via,
    unavailable: false,
    holds: taken.some((o) => o.holds),
    undo: async () => {
      const pending = kept ?? [];
      kept = undefined;
      for (const outcome of pending) await outcome.undo?.();
    },
  };
}
/** Fallback paths rank after the store: a verdict reports the least certain path that decided it. */
const VIA_RANK: Record<Via, number> = { store: 0, cache: 1, fast: 2, local: 3, allow: 4, deny: 5 };

export function createLimiterChain(steps: readonly ChainStep[]): LimiterChain {
  function stepOf(target: Target): ChainStep {
    const step = steps.find((s) => s.decides(target.rule));
    if (!step) throw new Error(`no limiter decides rule "${target.rule.id}" (kind ${target.rule.kind})`);
    return step;
  }

  function split(targets: readonly Target[]): Array<{ step: ChainStep; targets: readonly Target[] }> {
    // Nearly every request's targets belong to one step: handed on as they are, with no group per step built.
    const only = targets.length > 0 ? stepOf(targets[0]!) : undefined;
    if (only && targets.every((t) => stepOf(t) === only)) return [{ step: only, targets }];
    const groups = steps.map((step) => ({ step, targets: [] as Target[] }));
    for (const target of targets) groups[steps.indexOf(stepOf(target))]!.targets.push(target);
    return groups.filter((g) => g.targets.length > 0);
  }

  return {
    async take(targets, nowMs, leaseId) {
      const taken: LimiterOutcome[] = [];
      const decisions: LimitDecision[] = [];
      let via: Via = 'store';
      const undoAll = async () => {
        for (const outcome of [...taken].reverse()) await outcome.undo?.();
      };
      for (const { step, targets: mine } of split(targets)) {
        const outcome = await step.limiter.take({ targets: mine, nowMs, leaseId });
        decisions.push(...outcome.decisions);
        if (!outcome.admitted) {
          await undoAll();
          return refused(decisions, outcome);
        }
        if (VIA_RANK[outcome.via] > VIA_RANK[via]) via = outcome.via;
        taken.push(outcome);
      }
      return admitted(taken, decisions, via);
    },
    blocked(targets, nowMs) {
      for (const { step, targets: mine } of split(targets)) {
        const outcome = step.limiter.blocked?.(mine, nowMs);
        if (outcome && !outcome.admitted) return refused(outcome.decisions, outcome);
      }
      return undefined;
    },
    takeNow(targets, nowMs, leaseId) {
      const groups = split(targets);
      const only = groups.length === 1 ? groups[0]! : undefined;
      if (!only?.step.limiter.takeNow) return undefined;
      const outcome = only.step.limiter.takeNow({ targets: only.targets, nowMs, leaseId });
      return outcome.admitted ? admitted([outcome], outcome.decisions, outcome.via) : refused(outcome.decisions, outcome);
    },
    refusedAtOnce(targets, nowMs) {
      const first = split(targets)[0];
      const outcome = first?.step.limiter.blocked?.(first.targets, nowMs);
      return outcome && !outcome.admitted ? refused(outcome.decisions, outcome) : undefined;
    },
  };
}
