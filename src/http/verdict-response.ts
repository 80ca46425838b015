/**
 * What the limiters' decisions tell the client: the IETF RateLimit-Policy / RateLimit fields
 * (draft-ietf-httpapi-ratelimit-headers-11: a policy per rule window, quota q, window w in
 * seconds; remaining r and seconds to reset t) and, for a denial, the error to raise. One shape
 * for every limiter kind (engine/limiter.ts's LimitDecision).
 */
import { TollgateError, type ErrorCode } from '../errors.js';
import type { ErrorAnswer } from './render-error.js';
import type { LimitDecision } from '../engine/limiter.js';
import type { Verdict } from '../engine/throttle.js';
import { windowDecisions } from '../engine/limiters/window-limiter.js';

export function limitHeaders(decisions: readonly LimitDecision[]): Record<string, string> {
  // Built by concatenation: this runs for every answer of a throttled route, refusals included.
  let policies = '';
  let states = '';
  for (const d of decisions) {
    // Slots and carriers have no window to advertise: "at once" is not a quota per time.
    if (d.windowSeconds <= 0) continue;
    // Rule ids cannot hold quotes or backslashes (schema), so this is a valid sf-string.
    const name = `"${d.rule.id}/${d.window}"`;
    const separator = policies === '' ? '' : ', ';
    policies += `${separator}${name};q=${d.limit};w=${d.windowSeconds}`;
    states += `${separator}${name};r=${d.remaining};t=${Math.max(0, Math.ceil(d.resetMs / 1000))}`;
  }
  return policies === '' ? {} : { 'RateLimit-Policy': policies, RateLimit: states };
}

/** The store failed and a rule said deny. */
export function unavailableError(): TollgateError {
  return new TollgateError('THROTTLE_UNAVAILABLE', 'The rate limiter is unavailable; try again shortly.', {
    headers: { 'Retry-After': '1' },
  });
}

/** The decision a refusal reports: of the refusing ones, the one that frees last. */
export function bindingDenial(decisions: readonly LimitDecision[]): LimitDecision | undefined {
  let worst: LimitDecision | undefined;
  for (const d of decisions) if (!d.allowed && (!worst || d.retryAfterMs > worst.retryAfterMs)) worst = d;
  return worst;
}

/** The error for a refusal: the rule whose limit frees last is the one reported. */
export function limitDenial(decisions: readonly LimitDecision[], unavailable = false): TollgateError {
  if (unavailable) return unavailableError();
  const { code, message, ...options } = limitRefusal(decisions);
  return new TollgateError(code, message, options);
}

/**
 * limitDenial's error as plain data, for a guard that answers the refusal itself
 * (render-error.ts's respondWithError) rather than raising it: the same status, code, body and
 * headers, without building an Error on every refusal of a flood.
 */
export function limitRefusal(decisions: readonly LimitDecision[]): ErrorAnswer & { code: ErrorCode; field: undefined } {
  const worst = bindingDenial(decisions);
  if (!worst) throw new Error('limitDenial called with no refusing decision');
  const { rule } = worst;
  const retryAfter = Math.max(1, Math.ceil(worst.retryAfterMs / 1000));
  // Carriers: the error is about the carriers, not a caller's quota (503 ALL_CARRIERS_BUSY by default).
  const code = rule.kind === 'carriers' && rule.error.code === 'ALL_CARRIERS_BUSY' ? 'ALL_CARRIERS_BUSY' : 'REQUEST_LIMIT_REACHED';
  return {
    code,
    message: rule.error.message,
    status: rule.error.status,
    publicCode: rule.error.code,
    field: undefined,
    details: { rule: rule.id, limit: worst.limit, window: worst.window, retryAfter },
    headers: { 'Retry-After': String(retryAfter), ...limitHeaders(decisions) },
  };
}

/** A sliding-window verdict's headers (the auth-failure guard and the CLI use the throttle directly). */
export function rateLimitHeaders(verdict: Verdict): Record<string, string> {
  return limitHeaders(windowDecisions(verdict));
}

/** A sliding-window verdict's error. */
export function denialError(verdict: Verdict): TollgateError {
  return limitDenial(windowDecisions(verdict), verdict.via === 'deny');
}
