/**
 * statusOf: tollgate's answer to one check as Envoy's DescriptorStatus. Pure.
 *
 * Envoy's limits are N per unit (SECOND, MINUTE, HOUR, DAY), tollgate's N per any window. The
 * unit is the one nearest the window on a log scale (the boundaries are the geometric means of
 * neighbouring units: up to 7 s SECOND, 8 s to 7 min 44 s MINUTE, to 4 h 53 min HOUR, beyond DAY),
 * and requests_per_unit stays the rule's own count, not a rate converted to that unit: a 90 s
 * window of 10 reads "10 per MINUTE". The exact window is in the rule (current_limit.name names
 * it), and duration_until_reset is exact. Envoy reads these fields for its X-RateLimit headers and
 * for debugging; the decision itself is the code.
 */
import type { DecisionAnswer } from '../domains/decisions/decision-service.js';
import type { DescriptorStatus, Unit } from './rate-limit-protos.js';

const UINT32_MAX = 0xffff_ffff;

/** The Envoy unit nearest a window of this many seconds. */
export function unitOf(windowSeconds: number): Unit {
  if (windowSeconds < Math.sqrt(1 * 60)) return 'SECOND';
  if (windowSeconds < Math.sqrt(60 * 3600)) return 'MINUTE';
  if (windowSeconds < Math.sqrt(3600 * 86_400)) return 'HOUR';
  return 'DAY';
}

/**
 * One descriptor's status. Without a binding limit (no rule applies) it is OK with no
 * current_limit, as Envoy's reference service answers a descriptor that matches no limit.
 */
export function statusOf(answer: DecisionAnswer): DescriptorStatus {
  const code = answer.allowed ? 'OK' : 'OVER_LIMIT';
  if (answer.rule === null) return { code, limit_remaining: 0 };
  return {
    code,
    current_limit: { name: answer.rule, requests_per_unit: uint32(answer.limit), unit: unitOf(answer.windowSeconds) },
    limit_remaining: uint32(answer.remaining),
    duration_until_reset: durationOf(answer.resetAfter),
  };
}

/** Seconds (possibly fractional) as a google.protobuf.Duration. */
export function durationOf(seconds: number): { seconds: number; nanos: number } {
  const safe = Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
  const whole = Math.floor(safe);
  const nanos = Math.min(999_999_999, Math.round((safe - whole) * 1e9));
  return { seconds: whole, nanos };
}

function uint32(value: number): number {
  return Number.isFinite(value) ? Math.min(UINT32_MAX, Math.max(0, Math.floor(value))) : 0;
}
