/**
 * Every way we know of to dodge a limit, each either refused or counted by the same rule
 * (issue 5: spellings, headers, paths, methods, bodies).
 */
import { describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { parseRules } from '../../src/rules/parse-rules.js';
import { MemorySignupRepository } from '../../src/store/memory/memory-signup-repository.js';
import { testRule } from '../support/rules.js';
import { jsonOf, postJson, signupStatuses, startTestApp, TEST_HASHER } from '../support/test-app.js';

const shipped = parseRules('rules/signup.json', JSON.parse(readFileSync('rules/signup.json', 'utf8')));
const PHONE = '+14155551212';

async function usedUnderPhoneRule(app: Awaited<ReturnType<typeof startTestApp>>): Promise<number> {
  return (await app.callLog.read({ caller: TEST_HASHER.hash(PHONE), api: 'signup-per-phone' }, 0, 100, { timeoutMs: 1 })).callsMs.length;
}

describe('paths and methods that could dodge the signup rule', () => {
  it('counts signups at the design notes\' path /user/v1/create under the /v1/signup rules, one quota for both', async () => {
    const app = await startTestApp({ rules: shipped });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await postJson(`${app.url}${i % 2 ? '/user/v1/create' : '/v1/signup'}`, { phone: PHONE })).status);
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429]);
    expect(await usedUnderPhoneRule(app)).toBe(5);
  });

  it.each<[string, string, RequestInit['method'], Record<string, string>]>([
    ['upper case', '/V1/Signup', 'POST', {}],
    ['trailing slash', '/v1/signup/', 'POST', {}],
    ['double slash', '//v1/signup', 'POST', {}],
    ['percent-encoded letter', '/v1/%73ignup', 'POST', {}],
    ['percent-encoded slash', '/v1%2Fsignup', 'POST', {}],
    ['matrix parameter', '/v1/signup;x=1', 'POST', {}],
    ['PUT', '/v1/signup', 'PUT', {}],
    ['PATCH', '/v1/signup', 'PATCH', {}],
  ])('%s does not reach the handler', async (_, path, method, headers) => {
    const signups = new MemorySignupRepository();
    const create = vi.spyOn(signups, 'create');
    const app = await startTestApp({ rules: shipped, signups });
    const response = await fetch(`${app.url}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ phone: PHONE }) });
    expect([404, 405]).toContain(response.status);
    expect(create).not.toHaveBeenCalled();
  });

  it.each<[string, string, Record<string, string>]>([
    ['a query string', '/v1/signup?utm=1', {}],
    ['X-HTTP-Method-Override', '/v1/signup', { 'x-http-method-override': 'GET' }],
    ['X-Original-URL', '/v1/signup', { 'x-original-url': '/v1/other' }],
  ])('%s is counted by the same rule', async (_, path, headers) => {
    const app = await startTestApp({ rules: shipped });
    for (let i = 0; i < 5; i++) expect((await postJson(`${app.url}/v1/signup`, { phone: PHONE })).status).toBe(201);
    const response = await postJson(`${app.url}${path}`, { phone: PHONE }, headers);
    expect(response.status).toBe(429);
  });

  it.each(['/v1/x/../signup', '/v1/./signup', '/v1/signup/.', '/./v1/signup'])('the raw dot-segment path %s reaches no handler', async (path) => {
    // fetch() would resolve the dots before sending; a raw request sends them as an attacker would.
    const app = await startTestApp({ rules: shipped });
    const { port } = new URL(app.url);
    const status = await new Promise<number>((resolve, reject) => {
      const body = JSON.stringify({ phone: PHONE });
      const req = request({ host: '127.0.0.1', port, method: 'POST', path, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(status).toBe(404);
    expect(await usedUnderPhoneRule(app)).toBe(0);
  });

  it('HEAD reaches no handler and counts nothing', async () => {
    const app = await startTestApp({ rules: shipped });
    expect((await fetch(`${app.url}/v1/signup`, { method: 'HEAD' })).status).toBe(405);
    expect(await usedUnderPhoneRule(app)).toBe(0);
  });
});

describe('spellings of one phone number', () => {
  it('are all counted by the one partition of its E.164 form', async () => {
    const app = await startTestApp({ rules: shipped });
    const spellings = [`${PHONE}\u0000`, ' +1-415-555-1212 ', 'tel:+14155551212', '+1 415 555 1212 ext 9', '1 (415) 555-1212'];
    for (const phone of spellings) expect((await postJson(`${app.url}/v1/signup`, { phone })).status).toBe(201);
    expect(await usedUnderPhoneRule(app)).toBe(5);
    expect((await postJson(`${app.url}/v1/signup`, { phone: PHONE })).status).toBe(429);
  });
});

describe('hostile bodies are refused quickly, never counted, never written, never a 500', () => {
  const cases: Array<[string, string, Record<string, string>, number, string]> = [
    ['duplicate keys', `{"phone":"${PHONE}","phone":"+442079460958"}`, {}, 400, 'phone'],
    ['an escaped duplicate key', `{"phone":"${PHONE}","\\u0070hone":"+442079460958"}`, {}, 400, 'phone'],
    ['a __proto__ key', `{"phone":"${PHONE}","__proto__":{"admin":true}}`, {}, 400, '__proto__'],
    ['a constructor key', `{"phone":"${PHONE}","constructor":{"prototype":{"admin":true}}}`, {}, 400, 'constructor'],
    ['deep nesting', `{"phone":"${PHONE}","name":${'['.repeat(5000)}${']'.repeat(5000)}}`, {}, 400, 'name'],
    ['unterminated deep nesting', '['.repeat(900_000), {}, 400, 'body'],
    ['a huge array', `[${'1,'.repeat(400_000)}1]`, {}, 400, 'body'],
    ['a huge string', `{"phone":"${PHONE}","name":"${'x'.repeat(900_000)}"}`, {}, 400, 'name'],
    ['a body over 1 MiB', `{"phone":"${PHONE}","name":"${'x'.repeat(1_100_000)}"}`, {}, 413, ''],
    ['text/plain', `{"phone":"${PHONE}"}`, { 'content-type': 'text/plain' }, 415, ''],
    ['form encoding', `phone=${encodeURIComponent(PHONE)}`, { 'content-type': 'application/x-www-form-urlencoded' }, 415, ''],
    ['a latin1 charset', `{"phone":"${PHONE}"}`, { 'content-type': 'application/json; charset=latin1' }, 415, ''],
    ['gzip encoding', `{"phone":"${PHONE}"}`, { 'content-encoding': 'gzip' }, 415, ''],
    ['a phone that is an object', `{"phone":{"toString":"${PHONE}"}}`, {}, 400, 'phone'],
    ['a phone that is an array', `{"phone":["${PHONE}"]}`, {}, 400, 'phone'],
  ];

  it.each(cases)('%s', async (_, body, headers, status, field) => {
    const signups = new MemorySignupRepository();
    const create = vi.spyOn(signups, 'create');
    const app = await startTestApp({ rules: shipped, signups });
    const response = await postJson(`${app.url}/v1/signup`, body, headers);
    expect(response.status).toBe(status);
    const error = (await jsonOf(response)).error;
    if (field) expect(error.field).toBe(field);
    expect(create).not.toHaveBeenCalled();
    expect(await usedUnderPhoneRule(app)).toBe(0);
  });
});

describe('client addresses that could dodge an "ip" rule', () => {
  const ipRule = testRule('per-ip', [[2, '1h']], { key: 'ip' });

  it('ignores a rotating X-Forwarded-For when no proxy is trusted', async () => {
    const app = await startTestApp({ rules: [ipRule] });
    const statuses = await signupStatuses(app.url, Array(4).fill({ phone: PHONE }), (i) => ({ 'x-forwarded-for': `198.51.100.${i}` }));
    expect(statuses).toEqual([201, 201, 429, 429]);
  });

  it('with one trusted proxy, counts the address it saw, whatever the client prepends', async () => {
    const app = await startTestApp({ rules: [ipRule], clientAddress: { trustProxyHops: 1, ipv6PrefixLength: 64 } });
    const statuses = await signupStatuses(app.url, Array(4).fill({ phone: PHONE }), (i) => ({ 'x-forwarded-for': `10.9.9.${i}, 203.0.113.50` }));
    expect(statuses).toEqual([201, 201, 429, 429]);
    expect((await postJson(`${app.url}/v1/signup`, { phone: PHONE }, { 'x-forwarded-for': '203.0.113.51' })).status).toBe(201);
  });

  it('keys IPv6 clients by their /64 and IPv4-mapped clients by their IPv4 address', async () => {
    const app = await startTestApp({ rules: [ipRule], clientAddress: { trustProxyHops: 1, ipv6PrefixLength: 64 } });
    const send = (xff: string) => postJson(`${app.url}/v1/signup`, { phone: PHONE }, { 'x-forwarded-for': xff });
    expect((await send('2001:db8:1:2::1')).status).toBe(201);
    expect((await send('2001:db8:1:2:ffff::9')).status).toBe(201);
    expect((await send('2001:db8:1:2:abcd::1')).status).toBe(429);
    expect((await send('::ffff:203.0.113.80')).status).toBe(201);
    expect((await send('203.0.113.80')).status).toBe(201);
    expect((await send('::ffff:203.0.113.80')).status).toBe(429);
  });
});
