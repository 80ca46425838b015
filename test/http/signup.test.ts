import { describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseRules } from '../../src/rules/parse-rules.js';
import { MemorySignupRepository } from '../../src/store/memory/memory-signup-repository.js';
import { TollgateError } from '../../src/errors.js';
import { pino } from 'pino';
import { jsonOf, postJson, signupStatuses, startTestApp, TEST_HASHER } from '../support/test-app.js';

const shipped = parseRules('rules/signup.json', JSON.parse(readFileSync('rules/signup.json', 'utf8')));

describe('POST /v1/signup with the shipped rules', () => {
  it('gives five 201s and then a 429 with the rule error, Retry-After and RateLimit headers', async () => {
    const app = await startTestApp({ rules: shipped });
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 6; i++) {
      last = await postJson(`${app.url}/v1/signup`, { phone: '+14155551212' });
      statuses.push(last.status);
      if (i === 0) {
        const body = await jsonOf(last);
        expect(body).toMatchObject({ phone: '+14155551212', email: null, createdAt: '2027-01-15T08:00:00.000Z' });
        expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
        expect(last.headers.get('ratelimit-policy')).toBe('"signup-per-phone/1h";q=5;w=3600, "signup-per-phone/1d";q=30;w=86400');
        expect(last.headers.get('ratelimit')).toBe('"signup-per-phone/1h";r=4;t=3600, "signup-per-phone/1d";r=29;t=86400');
      }
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
    expect(await jsonOf(last!)).toEqual({
      error: {
        code: 'REQUEST_LIMIT_REACHED',
        message: 'Too many signups for this phone number. Try again later.',
        rule: 'signup-per-phone',
        limit: 5,
        window: '1h',
        retryAfter: 3600,
      },
    });
    expect(last!.headers.get('retry-after')).toBe('3600');
    expect(last!.headers.get('ratelimit')).toBe('"signup-per-phone/1h";r=0;t=3600, "signup-per-phone/1d";r=25;t=86400');
  });

  it('counts every spelling of one phone number against the same limit', async () => {
    const app = await startTestApp({ rules: shipped });
    const spellings = ['+14155551212', '+1 (415) 555-1212', '415-555-1212', '(415) 555 1212', '＋１ ４１５ ５５５ １２１２', '415.555.1212'];
    expect(await signupStatuses(app.url, spellings.map((phone) => ({ phone })))).toEqual([201, 201, 201, 201, 201, 429]);
  });

  it('counts plus-tagged and re-cased emails against the same limit', async () => {
    const app = await startTestApp({ rules: shipped });
    const emails = ['alice@example.com', 'Alice+1@Example.com', 'alice+2@example.com', ' ALICE@EXAMPLE.COM ', 'alice+x@example.com.', 'alice+y@example.com'];
    expect(await signupStatuses(app.url, emails.map((email) => ({ email })))).toEqual([201, 201, 201, 201, 201, 429]);
  });

  it('keeps the plus-tag in the stored email (it is the user\'s real address)', async () => {
    const app = await startTestApp({ rules: shipped });
    const response = await postJson(`${app.url}/v1/signup`, { email: ' Alice+News@Example.COM ', name: ' Alice ' });
    const body = await jsonOf(response);
    expect(body.email).toBe('alice+news@example.com');
    expect(await app.signups.get(body.id)).toMatchObject({ email: 'alice+news@example.com', name: 'Alice', phone: null });
  });

  it('lets the window slide: an hour after the first signup, one more fits', async () => {
    const app = await startTestApp({ rules: shipped });
    const clock = app.clock as unknown as { advance(ms: number): void };
    for (let i = 0; i < 5; i++) {
      expect((await postJson(`${app.url}/v1/signup`, { phone: '+14155550100' })).status).toBe(201);
      clock.advance(10 * 60_000);
    }
    const denied = await postJson(`${app.url}/v1/signup`, { phone: '+14155550100' });
    expect(denied.status).toBe(429);
    expect(denied.headers.get('retry-after')).toBe(String(60 * 60 - 50 * 60));
    clock.advance(10 * 60_000);
    expect((await postJson(`${app.url}/v1/signup`, { phone: '+14155550100' })).status).toBe(201);
  });

  it('denies on the 24-hour window once 30 signups spread over the day are used', async () => {
    const app = await startTestApp({ rules: shipped });
    const clock = app.clock as unknown as { advance(ms: number): void };
    for (let i = 0; i < 30; i++) {
      expect((await postJson(`${app.url}/v1/signup`, { phone: '+14155550101' })).status).toBe(201);
      clock.advance(13 * 60_000);
    }
    const denied = await postJson(`${app.url}/v1/signup`, { phone: '+14155550101' });
    expect(denied.status).toBe(429);
    expect((await jsonOf(denied)).error).toMatchObject({ rule: 'signup-per-phone', limit: 30, window: '1d' });
  });
});

describe('POST /v1/signup refuses bad input before counting or writing anything', () => {
  const cases: Array<[string, unknown, Record<string, string>, number, Record<string, unknown>]> = [
    ['malformed JSON', '{"phone": ', {}, 400, { code: 'INVALID_REQUEST', field: 'body' }],
    ['a JSON array', '[]', {}, 400, { code: 'INVALID_REQUEST', field: 'body', message: 'Request body must be a JSON object' }],
    ['a number for phone', { phone: 14155551212 }, {}, 400, { code: 'INVALID_REQUEST', field: 'phone', message: 'phone must be a string' }],
    ['an unknown field', { phone: '+14155551212', admin: true }, {}, 400, { code: 'INVALID_REQUEST', field: 'admin', message: 'unknown field "admin"' }],
    ['neither phone nor email', { name: 'x' }, {}, 400, { code: 'INVALID_REQUEST', field: 'phone', message: 'at least one of phone, email is required' }],
    ['a bad phone', { phone: '12' }, {}, 400, { code: 'INVALID_REQUEST', field: 'phone', message: 'phone is not a valid phone number' }],
    ['a bad email', { email: 'not-an-email' }, {}, 400, { code: 'INVALID_REQUEST', field: 'email', message: 'email is not a valid email address' }],
    ['a wrong content type', '{"phone":"+14155551212"}', { 'content-type': 'text/plain' }, 415, { code: 'UNSUPPORTED_MEDIA_TYPE' }],
    ['a body over 1 MiB', { phone: '+14155551212', name: 'x'.repeat(1024 * 1024) }, {}, 413, { code: 'PAYLOAD_TOO_LARGE' }],
  ];

  it.each(cases)('%s', async (_, body, headers, status, error) => {
    const signups = new MemorySignupRepository();
    const create = vi.spyOn(signups, 'create');
    const app = await startTestApp({ rules: shipped, signups });
    const response = await postJson(`${app.url}/v1/signup`, body, headers);
    expect(response.status).toBe(status);
    expect((await jsonOf(response)).error).toMatchObject(error);
    expect(create).not.toHaveBeenCalled();
    expect(await app.callLog.read({ caller: TEST_HASHER.hash('+14155551212'), api: 'signup-per-phone' }, 0, 10, { timeoutMs: 1 })).toEqual({ version: 0, callsMs: [] });
  });

  it('answers 400 for an empty body', async () => {
    const app = await startTestApp({ rules: shipped });
    const response = await fetch(`${app.url}/v1/signup`, { method: 'POST' });
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toEqual({ code: 'INVALID_REQUEST', message: 'Request body is required', field: 'body' });
  });

  it('writes the admitted call where the refused cases look (so their check can fail)', async () => {
    const app = await startTestApp({ rules: shipped });
    expect((await postJson(`${app.url}/v1/signup`, { phone: '+14155551212' })).status).toBe(201);
    const state = await app.callLog.read({ caller: TEST_HASHER.hash('+14155551212'), api: 'signup-per-phone' }, 0, 10, { timeoutMs: 1 });
    expect(state.callsMs).toHaveLength(1);
  });

  it('does not store a signup that was throttled', async () => {
    const signups = new MemorySignupRepository();
    const create = vi.spyOn(signups, 'create');
    const app = await startTestApp({ rules: shipped, signups });
    for (let i = 0; i < 6; i++) await postJson(`${app.url}/v1/signup`, { phone: '+14155551212' });
    expect(create).toHaveBeenCalledTimes(5);
  });
});

describe('POST /v1/signup while the signups store does not answer', () => {
  it('answers 503 SERVICE_UNAVAILABLE and logs it once per interval, with how many it held back', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const signups = new MemorySignupRepository();
    signups.create = async () => {
      throw new TollgateError('SERVICE_UNAVAILABLE', 'Signups cannot be stored right now; try again shortly.', { cause: new Error('no host available') });
    };
    const app = await startTestApp({ rules: [], signups, logger });
    const clock = app.clock as unknown as { advance(ms: number): void };
    expect(await signupStatuses(app.url, [0, 1, 2].map((i) => ({ phone: `+1415555016${i}` })))).toEqual([503, 503, 503]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, suppressed: 0, path: '/v1/signup', err: { message: 'no host available' } });
    clock.advance(10_000);
    expect((await postJson(`${app.url}/v1/signup`, { phone: '+14155550163' })).status).toBe(503);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ level: 40, suppressed: 2 });
  });
});
