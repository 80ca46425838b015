/**
 * How a throttle decision event (http/decision-events.ts) is counted: the `outcome` label of
 * tollgate_decisions_total and whether it was near its limit. Pure, so the mapping is tested
 * without a registry.
 *
 * `fallback` replaces admitted/limited/shadow when the store did not decide (via local, allow or
 * deny: Cassandra failed or missed the deadline and the rule's onStoreError decided), so that a
 * dashboard's "admitted" and "limited" are the store's own answers and an outage shows as its own
 * line; the `via` label still tells which fallback. Listed outcomes keep their name, with `_` for
 * `-` (Prometheus label values may hold `-`, but the metric's other outcomes are identifiers).
 */
import type { DecisionEvent } from '../http/decision-events.js';

/** The values of the `outcome` label of tollgate_decisions_total. */
export type DecisionMetricOutcome = 'admitted' | 'limited' | 'shadow' | 'marked' | 'delayed' | 'allowed_listed' | 'denied_listed' | 'fallback';

export const DECISION_METRIC_OUTCOMES: readonly DecisionMetricOutcome[] = ['admitted', 'limited', 'shadow', 'marked', 'delayed', 'allowed_listed', 'denied_listed', 'fallback'];

/** The vias where the store did not decide: the rule's onStoreError did. */
const FALLBACK_VIAS: ReadonlySet<DecisionEvent['via']> = new Set(['local', 'allow', 'deny']);

export function decisionOutcome(event: DecisionEvent): DecisionMetricOutcome {
  if (event.outcome === 'allowed-listed') return 'allowed_listed';
  if (event.outcome === 'denied-listed') return 'denied_listed';
  if (FALLBACK_VIAS.has(event.via)) return 'fallback';
  return event.outcome;
}

/**
 * Whether an admitted decision left at least `share` of one of its windows' limits used. As in
 * Envoy's ratelimit (near_limit), a refused decision is not counted here: it is already `limited`;
 * this counter is the warning that comes before refusals.
 */
export function isNearLimit(event: DecisionEvent, share: number): boolean {
  return event.outcome === 'admitted' && event.usedShare !== undefined && event.usedShare >= share;
}
