/**
 * DecisionRates: per-second rates of throttle decisions from successive scrapes of the
 * tollgate_decisions_total counter. Prometheus counters only grow, so a rate is the growth
 * between two scrapes over the time between them; a counter that went down was reset (the
 * service restarted), and its new value is all growth since. DOM-free: unit-tested under Node.
 */
import { samplesOf, type Sample } from './prometheus-text.js';

export const DECISIONS_METRIC = 'tollgate_decisions_total';

/** The outcomes plotted, in legend order (the metric's outcome label values). */
export const OUTCOMES = ['admitted', 'limited', 'shadow', 'marked', 'delayed', 'allowed_listed', 'denied_listed', 'fallback'] as const;

/** Outcomes that refused the request (a shadow refusal was not enforced). */
const REFUSED = new Set(['limited', 'denied_listed']);
// marked: over the limit but let through (action "mark"); delayed: held, then admitted.

/** One rule's decisions: per second since the last scrape (undefined at the first), and in all since the service started. */
export interface RuleRates {
  decisionsPerSecond: number | undefined;
  refusedPerSecond: number | undefined;
  decisions: number;
  refused: number;
}

/** What one scrape adds to the picture. */
export interface RateSnapshot {
  /** When the scrape was taken, in ms. */
  atMs: number;
  /** Decisions per second by outcome since the previous scrape; undefined at the first scrape. */
  byOutcome: Record<string, number> | undefined;
  /** Per rule; rules with no decision yet are absent. */
  byRule: Record<string, RuleRates>;
}

interface Totals {
  byOutcome: Map<string, number>;
  byRule: Map<string, { decisions: number; refused: number }>;
}

export class DecisionRates {
  private previous: { atMs: number; totals: Totals } | undefined;

  /** The totals of this scrape and the rates since the previous one (none at the first: nothing to compare). */
  next(samples: readonly Sample[], atMs: number): RateSnapshot {
    const totals = totalsOf(samples);
    const previous = this.previous && atMs > this.previous.atMs ? this.previous : undefined;
    this.previous = { atMs, totals };
    const seconds = previous ? (atMs - previous.atMs) / 1000 : 0;
    const rate = (now: number, before: number | undefined) => (previous ? growth(now, before ?? 0) / seconds : undefined);

    let byOutcome: Record<string, number> | undefined;
    if (previous) {
      byOutcome = {};
      for (const outcome of new Set<string>([...OUTCOMES, ...totals.byOutcome.keys()])) {
        byOutcome[outcome] = growth(totals.byOutcome.get(outcome) ?? 0, previous.totals.byOutcome.get(outcome) ?? 0) / seconds;
      }
    }
    const byRule: Record<string, RuleRates> = {};
    for (const [rule, now] of totals.byRule) {
      const before = previous?.totals.byRule.get(rule);
      byRule[rule] = {
        decisionsPerSecond: rate(now.decisions, before?.decisions),
        refusedPerSecond: rate(now.refused, before?.refused),
        decisions: now.decisions,
        refused: now.refused,
      };
    }
    return { atMs, byOutcome, byRule };
  }
}

/** Growth of a counter between two readings; a lower reading means it restarted from zero. */
export function growth(now: number, before: number): number {
  return now >= before ? now - before : now;
}

function totalsOf(samples: readonly Sample[]): Totals {
  const totals: Totals = { byOutcome: new Map(), byRule: new Map() };
  for (const { labels, value } of samplesOf(samples, DECISIONS_METRIC)) {
    const outcome = labels.outcome ?? 'unknown';
    totals.byOutcome.set(outcome, (totals.byOutcome.get(outcome) ?? 0) + value);
    const rule = labels.rule;
    if (rule === undefined) continue;
    const entry = totals.byRule.get(rule) ?? { decisions: 0, refused: 0 };
    entry.decisions += value;
    if (REFUSED.has(outcome)) entry.refused += value;
    totals.byRule.set(rule, entry);
  }
  return totals;
}
