import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/engine/decide.js';
import { denialError, limitDenial, limitRefusal, rateLimitHeaders } from '../../../src/http/verdict-response.js';
import { windowDecisions } from '../../../src/engine/limiters/window-limiter.js';
import type { Verdict } from '../../../src/engine/throttle.js';
import { TollgateError } from '../../../src/errors.js';
import { testRule } from '../../support/rules.js';

const NOW = 1_800_000_000_000;
const phone = testRule('signup-per-phone', [[5, '1h'], [30, '24h']], { error: { message: 'Too many signups for this phone.' } });
const email = testRule('signup-per-email', [[2, '1h']], { error: { status: 403, code: 'SIGNUP_BLOCKED' } });
const verdictOf = (admitted: boolean, phoneCalls: number[], emailCalls: number[]): Verdict => ({
  admitted,
  via: 'store',
  decisions: [
    { target: { rule: phone, partition: { caller: 'p', api: phone.id } }, decision: decide(phone.limits, phoneCalls, NOW), callsMs: phoneCalls },
    { target: { rule: email, partition: { caller: 'e', api: email.id } }, decision: decide(email.limits, emailCalls, NOW), callsMs: emailCalls },
  ],
});

describe('rateLimitHeaders', () => {
  it('names one policy per rule window, with quota, window, remaining and reset (draft 11 form)', () => {
    const headers = rateLimitHeaders(verdictOf(true, [NOW - 60_000], []));
    expect(headers['RateLimit-Policy']).toBe(
      '"signup-per-phone/1h";q=5;w=3600, "signup-per-phone/1d";q=30;w=86400, "signup-per-email/1h";q=2;w=3600',
    );
    expect(headers.RateLimit).toBe('"signup-per-phone/1h";r=3;t=3540, "signup-per-phone/1d";r=28;t=86340, "signup-per-email/1h";r=1;t=3600');
  });

  it('says nothing when no rule decided', () => {
    expect(rateLimitHeaders({ admitted: true, via: 'allow', decisions: [] })).toEqual({});
  });
});

describe('denialError', () => {
  it('reports the rule whose window frees last, with its status, code, message and Retry-After', () => {
    const phoneCalls = [NOW - 1_000, NOW - 2_000, NOW - 3_000, NOW - 4_000, NOW - 5_000];
    const error = denialError(verdictOf(false, phoneCalls, [NOW - 10_000, NOW - 20_000]));
    expect(error).toBeInstanceOf(TollgateError);
    expect(error.code).toBe('REQUEST_LIMIT_REACHED');
    expect(error.status).toBe(429);
    expect(error.publicCode).toBe('REQUEST_LIMIT_REACHED');
    expect(error.message).toBe('Too many signups for this phone.');
    expect(error.details).toEqual({ rule: 'signup-per-phone', limit: 5, window: '1h', retryAfter: 3595 });
    expect(error.headers['Retry-After']).toBe('3595');
    expect(error.headers['RateLimit-Policy']).toContain('"signup-per-phone/1h";q=5;w=3600');
  });

  it('uses the rule\'s own status and code', () => {
    const error = denialError(verdictOf(false, [], [NOW - 10_000, NOW - 20_000]));
    expect(error.status).toBe(403);
    expect(error.publicCode).toBe('SIGNUP_BLOCKED');
    expect(error.details).toMatchObject({ rule: 'signup-per-email', limit: 2, window: '1h', retryAfter: 3580 });
  });

  it('never answers Retry-After: 0', () => {
    const calls = [NOW - 3_600_000 + 1, NOW - 1, NOW - 2, NOW - 3, NOW - 4];
    const error = denialError(verdictOf(false, calls.sort((a, b) => b - a), []));
    expect(error.headers['Retry-After']).toBe('1');
  });

  it('answers 503 THROTTLE_UNAVAILABLE when onStoreError "deny" refused the request', () => {
    const error = denialError({ admitted: false, via: 'deny', decisions: [] });
    expect(error).toMatchObject({ code: 'THROTTLE_UNAVAILABLE', status: 503 });
    expect(error.headers['Retry-After']).toBe('1');
  });
});

describe('limitRefusal', () => {
  it('is limitDenial\'s error as plain data: the same status, codes, message, details and headers', () => {
    const phoneCalls = [NOW - 1_000, NOW - 2_000, NOW - 3_000, NOW - 4_000, NOW - 5_000];
    const decisions = windowDecisions(verdictOf(false, phoneCalls, [NOW - 10_000, NOW - 20_000]));
    const error = limitDenial(decisions);
    const refusal = limitRefusal(decisions);
    expect(refusal).not.toBeInstanceOf(Error);
    expect(refusal).toEqual({
      code: error.code,
      status: error.status,
      publicCode: error.publicCode,
      message: error.message,
      field: undefined,
      details: error.details,
      headers: error.headers,
    });
  });
});
