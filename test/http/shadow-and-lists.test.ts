import { describe, expect, it } from 'vitest';
import { parseRules } from '../../src/rules/parse-rules.js';
import { buildRuleSet } from '../../src/rules/rule-source.js';
import { jsonOf, postJson, signupStatuses, startTestApp } from '../support/test-app.js';

const phoneRule = (extra: Record<string, unknown>) =>
  parseRules('test', { rules: [{ id: 'per-phone', match: { method: 'POST', path: '/v1/signup' }, key: 'body.phone', normalize: 'e164', limits: [{ count: 2, window: '1h' }], ...extra }] });

describe('shadow mode', () => {
  it('counts and reports a shadow rule, never refusing', async () => {
    const app = await startTestApp({ rules: phoneRule({ mode: 'shadow' }) });
    const responses = [];
    for (let i = 0; i < 4; i++) responses.push(await postJson(`${app.url}/v1/signup`, { phone: '+14155550100' }));
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(responses.map((r) => r.headers.get('throttle-shadow'))).toEqual([null, null, 'per-phone', 'per-phone']);
    // Not enforced, so no RateLimit fields for it either.
    expect(responses[3]!.headers.get('ratelimit')).toBeNull();
  });

  it('tells onShadow which rules would have refused', async () => {
    const seen: string[][] = [];
    const app = await startTestApp({ rules: phoneRule({ mode: 'shadow' }) });
    app.composed.onShadow((ids) => seen.push([...ids]));
    await signupStatuses(app.url, [1, 2, 3].map(() => ({ phone: '+14155550101' })));
    expect(seen).toEqual([['per-phone']]);
    expect(app.composed.shadowCounts()).toEqual({ 'per-phone': 1 });
  });
});

describe('allow and deny lists', () => {
  it('lets an allowed key skip the rule uncounted, by exact key and by prefix', async () => {
    const app = await startTestApp({ rules: phoneRule({ allow: ['+14155550100', '+1212*'] }) });
    expect(await signupStatuses(app.url, [1, 2, 3, 4].map(() => ({ phone: '415-555-0100' })))).toEqual([201, 201, 201, 201]);
    expect(await signupStatuses(app.url, [1, 2, 3].map(() => ({ phone: '+1 212 555 0100' })))).toEqual([201, 201, 201]);
    expect(await signupStatuses(app.url, [1, 2, 3].map(() => ({ phone: '+14155550111' })))).toEqual([201, 201, 429]);
  });

  it('refuses a denied key with the rule\'s error, never counting it, and without Retry-After', async () => {
    const app = await startTestApp({ rules: phoneRule({ deny: ['+1900*'], error: { status: 403, code: 'PREMIUM_RATE_BLOCKED', message: 'Premium-rate numbers cannot sign up.' } }) });
    const response = await postJson(`${app.url}/v1/signup`, { phone: '+1 900 555 0100' });
    expect(response.status).toBe(403);
    expect(response.headers.get('retry-after')).toBeNull();
    expect((await jsonOf(response)).error).toEqual({ code: 'PREMIUM_RATE_BLOCKED', message: 'Premium-rate numbers cannot sign up.', rule: 'per-phone', listed: 'deny' });
    expect(await app.signups.get('x')).toBeUndefined();
  });

  it('applies global lists of a rule document to every rule', async () => {
    const set = buildRuleSet([
      { origin: 'lists.json', json: { deny: ['+1900*'], allow: ['vip@example.com'], rules: [] } },
      { origin: 'rules.json', json: { rules: [
        { id: 'per-phone', match: { path: '/v1/signup' }, key: 'body.phone', normalize: 'e164', limits: [{ count: 1, window: '1h' }] },
        { id: 'per-email', match: { path: '/v1/signup' }, key: 'body.email', normalize: 'email', limits: [{ count: 1, window: '1h' }] },
      ] } },
    ]);
    const app = await startTestApp({ rules: set.rules, globalLists: { allow: set.allow, deny: set.deny } });
    expect((await postJson(`${app.url}/v1/signup`, { phone: '+19005550100' })).status).toBe(429);
    expect(await signupStatuses(app.url, [1, 2, 3].map(() => ({ email: 'VIP@example.com' })))).toEqual([201, 201, 201]);
  });

  it('refuses a bad global list entry naming its place', () => {
    expect(() => buildRuleSet([{ origin: 'lists.json', json: { deny: ['+1900**'], rules: [] } }])).toThrow('lists.json: $.deny[0]: "+1900**" is not a key or a prefix ending in one "*"');
  });
});
