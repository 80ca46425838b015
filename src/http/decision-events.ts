/**
 * What the throttle decided for one request, told to whoever observes the service (metrics, heavy
 * hitters): one event per rule that looked at the request. Keys appear only as their partition
 * key (the HMAC of the normalised key), never as the phone number, email, token or address.
 */
import type { Target } from '../engine/admit.js';
import type { LimitDecision } from '../engine/limiter.js';
import type { Via, Verdict } from '../engine/throttle.js';
import type { LimitKind } from '../rules/rule.js';

export type DecisionOutcome = 'admitted' | 'limited' | 'shadow' | 'marked' | 'delayed' | 'allowed-listed' | 'denied-listed';

export interface DecisionEvent {
  rule: string;
  outcome: DecisionOutcome;
  /** The limiter kind: a sliding window (intervals too), a slot, a carrier, a bucket, a shared bucket. */
  kind: LimitKind;
  /** Which path decided: the store, this instance's cache, a fallback (local, allow, deny), or a list. */
  via: Via | 'list';
  /** The partition key: the HMAC of the normalised key. */
  caller: string;
  /**
   * The normalised key itself, only while TOP_K_SHOW_KEYS is on, for the admins' heavy hitters
   * (GET /v1/admin/top). Never a log field or a metric label.
   */
  key?: string;
  /** For counted decisions: the largest share of a window's limit in use after this request (0..1). */
  usedShare?: number;
}

export type DecisionListener = (events: readonly DecisionEvent[], route: string) => void;

/** The events of a verdict, enforced or shadow, on these targets. */
export function eventsOf(verdict: Verdict, shadow: boolean, targets: readonly Target[]): DecisionEvent[] {
  // The allow and deny fallbacks decide without looking at any window: one event per target.
  if (verdict.decisions.length === 0) {
    return targets.map((target) => ({ rule: target.rule.id, outcome: verdict.admitted ? 'admitted' : shadow ? 'shadow' : 'limited', kind: 'window', via: verdict.via, caller: target.partition.caller }));
  }
  return verdict.decisions.map(({ target, decision }) => {
    // An admitted verdict appended a call to each of its partitions (shadow ones too); a refused one to none.
    const taken = verdict.admitted ? 1 : 0;
    const usedShare = Math.max(...decision.windows.map((w) => Math.min(1, (w.used + taken) / w.limit.count)));
    const outcome: DecisionOutcome = decision.allowed ? 'admitted' : shadow ? 'shadow' : 'limited';
    return { rule: target.rule.id, outcome, kind: 'window', via: verdict.via, caller: target.partition.caller, usedShare };
  });
}

/**
 * The events of the limiters' decisions on these targets: one per target (a rule with several
 * windows answers one decision per window; its event carries the largest share in use).
 * `outcomeOf` names what happened to a target the limiters refused (limited, shadow, marked).
 */
export function eventsOfDecisions(admitted: boolean, via: Via, decisions: readonly LimitDecision[], targets: readonly Target[], refused: DecisionOutcome): DecisionEvent[] {
  // Plain loops over a handful of decisions: on a flood this runs for every refusal, and the
  // Map, flatMap and spreads it was first written with cost about 5 µs a request.
  const events: DecisionEvent[] = [];
  for (const target of targets) {
    const rule = target.rule.id;
    const caller = target.partition.caller;
    let decided = false;
    let allowed = true;
    let usedShare: number | undefined;
    for (const d of decisions) {
      if (d.caller !== caller || d.rule.id !== rule) continue;
      decided = true;
      if (!d.allowed) allowed = false;
      if (d.usedShare !== undefined && (usedShare === undefined || d.usedShare > usedShare)) usedShare = d.usedShare;
    }
    // Undecided: a fallback that decided without looking (allow, deny), or a limiter that stopped before this target.
    const outcome: DecisionOutcome = (decided ? allowed : admitted) ? 'admitted' : refused;
    const kind = target.rule.kind;
    events.push(usedShare === undefined ? { rule, kind, via, caller, outcome } : { rule, kind, via, caller, outcome, usedShare });
  }
  return events;
}
