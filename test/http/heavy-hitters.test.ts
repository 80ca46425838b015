import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { publishHeavyHitters } from '../../src/jobs/publish-heavy-hitters.js';
import { parseRules } from '../../src/rules/parse-rules.js';
import { MemoryHeavyHitterStore } from '../../src/store/memory/memory-heavy-hitter-store.js';
import { createManualClock } from '../../src/clock.js';
import { jsonOf, postJson, signupStatuses, startTestApp, TEST_HASHER, type TestApp } from '../support/test-app.js';

const shipped = parseRules('rules/signup.json', JSON.parse(readFileSync('rules/signup.json', 'utf8')));
const TOKEN = 'admin-token-for-tests-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const FLOODER = '+14155551212';
const flooder = TEST_HASHER.hash(FLOODER);

const top = (app: TestApp, query: string) => fetch(`${app.url}/v1/admin/top?${query}`, { headers: auth });

/** One phone floods the signup route (5 admitted, then refused); three others sign up once or twice. */
async function flood(app: TestApp, times = 12): Promise<void> {
  expect(await signupStatuses(app.url, Array(times).fill({ phone: FLOODER }))).toEqual([...Array(5).fill(201), ...Array(times - 5).fill(429)]);
  await signupStatuses(app.url, [{ phone: '+14155550101' }, { phone: '+14155550102' }, { phone: '+14155550102' }, { phone: '+14155550103' }]);
}

describe('GET /v1/admin/top', () => {
  it('puts a flooding key first among the refused, by its partition key, with exact counts while they fit', async () => {
    const app = await startTestApp({ rules: shipped, adminToken: TOKEN });
    await flood(app);
    const response = await top(app, 'rule=signup-per-phone&window=1m&k=3');
    expect(response.status).toBe(200);
    expect(await jsonOf(response)).toEqual({
      rule: 'signup-per-phone',
      window: '1m',
      k: 3,
      generatedAt: new Date(app.clock()).toISOString(),
      instances: 1,
      refused: [{ caller: flooder, count: 7, error: 0 }],
      admitted: [
        { caller: flooder, count: 5, error: 0 },
        { caller: TEST_HASHER.hash('+14155550102'), count: 2, error: 0 },
        // Equal counts and errors: by caller.
        [TEST_HASHER.hash('+14155550101'), TEST_HASHER.hash('+14155550103')].sort().map((caller) => ({ caller, count: 1, error: 0 }))[0],
      ],
    });
    const hour = await jsonOf(await top(app, 'rule=signup-per-phone&window=1h'));
    expect(hour).toMatchObject({ window: '1h', k: 10, refused: [{ caller: flooder, count: 7 }] });
    expect(hour.admitted).toHaveLength(4);
    // The raw phone number appears nowhere in the answer.
    expect(JSON.stringify(await jsonOf(await top(app, 'rule=signup-per-phone&window=1d')))).not.toContain('4155551212');
  });

  it('merges two instances that share the store, once both have published', async () => {
    const clock = createManualClock(1_800_000_000_000);
    const shared = new MemoryHeavyHitterStore(clock);
    const a = await startTestApp({ rules: shipped, adminToken: TOKEN, clock, stores: { heavyHitters: shared } });
    const b = await startTestApp({ rules: shipped, adminToken: TOKEN, clock, stores: { heavyHitters: shared } });
    await flood(a);
    await signupStatuses(b.url, Array(3).fill({ phone: FLOODER }));
    await signupStatuses(b.url, Array(4).fill({ phone: '+14155550199' }));
    // Before b publishes, a sees only its own traffic.
    expect((await jsonOf(await top(a, 'rule=signup-per-phone&window=1m'))).instances).toBe(1);
    for (const app of [a, b]) await publishHeavyHitters(app.composed.heavyHitters, shared, clock);
    const merged = await jsonOf(await top(a, 'rule=signup-per-phone&window=1m&k=2'));
    expect(merged).toMatchObject({
      instances: 2,
      refused: [{ caller: flooder, count: 7, error: 0 }],
      admitted: [{ caller: flooder, count: 8, error: 0 }, { caller: TEST_HASHER.hash('+14155550199'), count: 4, error: 0 }],
    });
  });

  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer nope' }],
  ])('refuses %s with 401', async (_, headers) => {
    const app = await startTestApp({ rules: shipped, adminToken: TOKEN });
    const response = await fetch(`${app.url}/v1/admin/top?rule=signup-per-phone&window=1m`, { headers });
    expect(response.status).toBe(401);
    expect((await jsonOf(response)).error.code).toBe('UNAUTHORIZED');
  });

  it('is not served without ADMIN_TOKEN', async () => {
    const app = await startTestApp({ rules: shipped });
    expect((await fetch(`${app.url}/v1/admin/top?rule=signup-per-phone&window=1m`, { headers: auth })).status).toBe(404);
  });

  it.each([
    ['no window', 'rule=signup-per-phone', 'query.window'],
    ['an unknown window', 'rule=signup-per-phone&window=2m', 'query.window'],
    ['k = 0', 'rule=signup-per-phone&window=1m&k=0', 'query.k'],
    ['k = 101', 'rule=signup-per-phone&window=1m&k=101', 'query.k'],
    ['a k that is no integer', 'rule=signup-per-phone&window=1m&k=ten', 'query.k'],
    ['no rule', 'window=1m', 'query.rule'],
    ['an unknown parameter', 'rule=signup-per-phone&window=1m&key=x', 'query.key'],
  ])('refuses %s with 400 naming the field', async (_, query, field) => {
    const app = await startTestApp({ rules: shipped, adminToken: TOKEN });
    const response = await top(app, query);
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({ code: 'INVALID_REQUEST', field });
  });

  it('answers 404 NOT_FOUND for a rule not in force', async () => {
    const app = await startTestApp({ rules: shipped, adminToken: TOKEN });
    const response = await top(app, 'rule=no-such-rule&window=1h');
    expect(response.status).toBe(404);
    expect((await jsonOf(response)).error.code).toBe('NOT_FOUND');
  });

  it('is described in /openapi.json, with what its counts mean', async () => {
    const app = await startTestApp({ rules: shipped, adminToken: TOKEN });
    const operation = (await jsonOf(await fetch(`${app.url}/openapi.json`))).paths['/v1/admin/top'].get;
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '404']));
    expect(operation.description).toContain('count - error');
    expect(operation.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['k', 'rule', 'window']);
  });
});

describe('TOP_K_SHOW_KEYS', () => {
  it('off (the default): no normalised key leaves the plan, so none reaches the events or the answer', async () => {
    const app = await startTestApp({ rules: shipped, adminToken: TOKEN });
    const keys: unknown[] = [];
    app.composed.onDecisions((events) => keys.push(...events.map((e) => e.key)));
    await flood(app, 7);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((key) => key === undefined)).toBe(true);
    expect(JSON.stringify(await jsonOf(await top(app, 'rule=signup-per-phone&window=1m')))).not.toContain('"key"');
  });

  it('on: admins see the normalised key beside its hash; the metrics still never do', async () => {
    const app = await startTestApp({ rules: shipped, adminToken: TOKEN, settings: { topKShowKeys: true } });
    await flood(app, 7);
    await postJson(`${app.url}/v1/signup`, { phone: '(415) 555-0104', email: 'Someone+tag@Example.com' });
    const report = await jsonOf(await top(app, 'rule=signup-per-phone&window=1m&k=2'));
    expect(report.refused).toEqual([{ caller: flooder, count: 2, error: 0, key: FLOODER }]);
    expect(report.admitted[0]).toEqual({ caller: flooder, count: 5, error: 0, key: FLOODER });
    const emails = await jsonOf(await top(app, 'rule=signup-per-email&window=1m'));
    expect(emails.admitted).toEqual([{ caller: TEST_HASHER.hash('someone@example.com'), count: 1, error: 0, key: 'someone@example.com' }]);
    const scraped = await fetch(`${app.url}/metrics`);
    expect(scraped.status).toBe(200);
    const scrape = await scraped.text();
    expect(scrape).toContain('signup-per-phone');
    for (const secret of ['4155551212', '4155550104', 'someone']) expect(scrape).not.toContain(secret);
  });
});

describe('a heavy hitter inspected and reset by its partition key', () => {
  it('shows the caller\'s calls and resets it, so that its next request is admitted', async () => {
    const app = await startTestApp({ rules: shipped, adminToken: TOKEN });
    await flood(app);
    const caller = (await jsonOf(await top(app, 'rule=signup-per-phone&window=1m'))).refused[0].caller;
    const inspected = await fetch(`${app.url}/v1/admin/limits?rule=signup-per-phone&caller=${caller}`, { headers: auth });
    expect(inspected.status).toBe(200);
    expect(await jsonOf(inspected)).toMatchObject({ rule: 'signup-per-phone', partitions: [{ caller, secret: 'current', version: 5 }], next: 'denied' });
    const reset = await postJson(`${app.url}/v1/admin/limits/reset`, { rule: 'signup-per-phone', caller }, auth);
    expect(reset.status).toBe(200);
    expect(await jsonOf(reset)).toMatchObject({ rule: 'signup-per-phone', partitions: [caller] });
    expect(await signupStatuses(app.url, [{ phone: FLOODER }])).toEqual([201]);
    expect(await jsonOf(await fetch(`${app.url}/v1/admin/limits?rule=signup-per-phone&caller=${caller}`, { headers: auth }))).toMatchObject({ next: 'admitted' });
  });

  it.each<[string, 'GET' | 'POST', string | Record<string, unknown>, string]>([
    ['a caller that is no partition key', 'GET', `rule=signup-per-phone&caller=${encodeURIComponent('+14155551212')}`, 'caller'],
    ['a caller one character short', 'GET', `rule=signup-per-phone&caller=${flooder.slice(1)}`, 'caller'],
    ['both key and caller', 'GET', `rule=signup-per-phone&key=4155551212&caller=${flooder}`, 'caller'],
    ['neither key nor caller', 'GET', 'rule=signup-per-phone', 'key'],
    ['a reset of a caller that is no partition key', 'POST', { rule: 'signup-per-phone', caller: 'not/a+hash' }, 'caller'],
    ['a reset with both key and caller', 'POST', { rule: 'signup-per-phone', key: FLOODER, caller: flooder }, 'caller'],
    ['a reset with neither', 'POST', { rule: 'signup-per-phone' }, 'key'],
  ])('refuses %s with 400', async (_, method, input, field) => {
    const app = await startTestApp({ rules: shipped, adminToken: TOKEN });
    const response = method === 'GET' ? await fetch(`${app.url}/v1/admin/limits?${String(input)}`, { headers: auth }) : await postJson(`${app.url}/v1/admin/limits/reset`, input, auth);
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({ code: 'INVALID_REQUEST', field });
  });
});
