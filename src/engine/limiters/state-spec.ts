/**
 * StateSpec: what a state kind (bucket, shared bucket, exact counter) brings to the generic state
 * limiter (engine/limiters/state-limiter.ts, which re-exports it): its math over one small state
 * per partition, as pure functions. The limiter brings the store, compare-and-set, locks,
 * deadline, cache and fallbacks.
 */
import type { LimitKind } from '../../rules/rule.js';
import type { Target } from '../admit.js';
import type { LimitDecision } from '../limiter.js';

/** A kind's math over its state: pure functions, no I/O, no clock but `nowMs`. */
export interface StateSpec<S> {
  kind: LimitKind;
  /** Parse stored JSON text (undefined: the partition is new or expired). */
  decode(text: string | undefined, target: Target, nowMs: number): S;
  encode(state: S): string;
  /** Pure: the decision for this target at nowMs and the state to write if admitted. */
  take(state: S, target: Target, nowMs: number): { decision: LimitDecision; next: S };
  /** Pure: the state with this target's admission given back (a later limiter refused). */
  refund(state: S, target: Target, nowMs: number): S;
  /** How long the row must live after a write. */
  ttlSeconds(target: Target): number;
}
