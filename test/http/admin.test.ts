import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseRules } from '../../src/rules/parse-rules.js';
import { jsonOf, postJson, signupStatuses, startTestApp, TEST_HASHER } from '../support/test-app.js';

const shipped = parseRules('rules/signup.json', JSON.parse(readFileSync('rules/signup.json', 'utf8')));
const TOKEN = 'admin-token-for-tests-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

async function blockedApp() {
  const app = await startTestApp({ rules: shipped, adminToken: TOKEN });
  for (let i = 0; i < 6; i++) await postJson(`${app.url}/v1/signup`, { phone: '+14155551212' });
  return app;
}

describe('admin routes', () => {
  it('are not mounted without ADMIN_TOKEN', async () => {
    const app = await startTestApp({ rules: shipped });
    expect((await fetch(`${app.url}/v1/admin/limits?rule=signup-per-phone&key=1`, { headers: auth })).status).toBe(404);
  });

  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer nope' }],
    ['a token of another scheme', { authorization: `Basic ${TOKEN}` }],
  ])('refuse %s with 401', async (_, headers) => {
    const app = await startTestApp({ rules: shipped, adminToken: TOKEN });
    const response = await fetch(`${app.url}/v1/admin/limits?rule=signup-per-phone&key=%2B14155551212`, { headers });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect((await jsonOf(response)).error.code).toBe('UNAUTHORIZED');
  });

  it('show a caller by its raw key, in any spelling, without the key ever being stored', async () => {
    const app = await blockedApp();
    const response = await fetch(`${app.url}/v1/admin/limits?rule=signup-per-phone&key=${encodeURIComponent('(415) 555-1212')}`, { headers: auth });
    expect(response.status).toBe(200);
    const report = await jsonOf(response);
    expect(report).toMatchObject({
      rule: 'signup-per-phone',
      partitions: [{ caller: TEST_HASHER.hash('+14155551212'), secret: 'current', version: 5 }],
      windows: [
        { count: 5, window: '1h', used: 5, full: true, resetSeconds: 3600 },
        { count: 30, window: '1d', used: 5, full: false },
      ],
      next: 'denied',
      retryAfter: 3600,
    });
    expect(report.partitions[0].calls).toHaveLength(5);
  });

  it('reset a caller: its next request is admitted, and the partition cache lets go at once', async () => {
    const app = await blockedApp();
    const response = await postJson(`${app.url}/v1/admin/limits/reset`, { rule: 'signup-per-phone', key: '415-555-1212' }, auth);
    expect(response.status).toBe(200);
    expect(await jsonOf(response)).toMatchObject({ rule: 'signup-per-phone', partitions: [TEST_HASHER.hash('+14155551212')] });
    expect(await signupStatuses(app.url, Array(6).fill({ phone: '+14155551212' }))).toEqual([201, 201, 201, 201, 201, 429]);
  });

  it.each<[string, string, unknown, string]>([
    ['an unknown rule', 'GET', '?rule=nope&key=x', 'rule'],
    ['a key that does not normalise', 'GET', '?rule=signup-per-phone&key=12', 'key'],
    ['no key', 'GET', '?rule=signup-per-phone', 'key'],
    ['a reset of an unknown rule', 'POST', { rule: 'nope', key: 'x' }, 'rule'],
    ['a reset without a key', 'POST', { rule: 'signup-per-phone' }, 'key'],
  ])('refuse %s with 400', async (_, method, input, field) => {
    const app = await startTestApp({ rules: shipped, adminToken: TOKEN });
    const response =
      method === 'GET'
        ? await fetch(`${app.url}/v1/admin/limits${String(input)}`, { headers: auth })
        : await postJson(`${app.url}/v1/admin/limits/reset`, input, auth);
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({ code: 'INVALID_REQUEST', field });
  });
});
