/**
 * What a verdict tells the client: the IETF RateLimit-Policy / RateLimit fields
 * (draft-ietf-httpapi-ratelimit-headers-11: a policy per rule window, quota q, window w in
 * seconds; remaining r and seconds to reset t) and, for a denial, the error to raise.
 */
import { TollgateError } from '../errors.js';
import type { Verdict } from '../engine/throttle.js';

export function rateLimitHeaders(verdict: Verdict): Record<string, string> {
  const policies: string[] = [];
  const states: string[] = [];
  // An admitted request took one unit from every window; a denied one took none.
  const taken = verdict.admitted ? 1 : 0;
  for (const { target, decision } of verdict.decisions) {
    for (const w of decision.windows) {
      // Rule ids cannot hold quotes or backslashes (schema), so this is a valid sf-string.
      const name = `"${target.rule.id}/${w.limit.window}"`;
      policies.push(`${name};q=${w.limit.count};w=${Math.round(w.limit.windowMs / 1000)}`);
      states.push(`${name};r=${Math.max(0, w.limit.count - w.used - taken)};t=${Math.max(0, Math.ceil(w.resetMs / 1000))}`);
    }
  }
  return policies.length === 0 ? {} : { 'RateLimit-Policy': policies.join(', '), RateLimit: states.join(', ') };
}

/** The error for a refused verdict: the rule whose window frees last is the one reported. */
export function denialError(verdict: Verdict): TollgateError {
  if (verdict.via === 'deny') {
    return new TollgateError('THROTTLE_UNAVAILABLE', 'The rate limiter is unavailable; try again shortly.', {
      headers: { 'Retry-After': '1' },
    });
  }
  let worst: { decision: Verdict['decisions'][number]; retryAfterMs: number } | undefined;
  for (const d of verdict.decisions) {
    if (!d.decision.allowed && (!worst || d.decision.retryAfterMs > worst.retryAfterMs)) worst = { decision: d, retryAfterMs: d.decision.retryAfterMs };
  }
  if (!worst) throw new Error('denialError called for a verdict with no denied rule');
  const { rule } = worst.decision.target;
  const window = worst.decision.decision.windows
    .filter((w) => !w.allowed)
    .reduce((a, b) => (b.resetMs > a.resetMs ? b : a));
  const retryAfter = Math.max(1, Math.ceil(worst.retryAfterMs / 1000));
  return new TollgateError('REQUEST_LIMIT_REACHED', rule.error.message, {
    status: rule.error.status,
    publicCode: rule.error.code,
    details: { rule: rule.id, limit: window.limit.count, window: window.limit.window, retryAfter },
    headers: { 'Retry-After': String(retryAfter), ...rateLimitHeaders(verdict) },
  });
}
