import { describe, expect, it } from 'vitest';
import { createFileRuleSource } from '../../src/rules/load-rule-files.js';
import { createSettingsRuleSource } from '../../src/rules/settings-rule-source.js';
import { MemorySettingsStore } from '../../src/store/memory/memory-settings-store.js';
import { pollSettings } from '../../src/jobs/poll-settings.js';
import { jsonOf, postJson, signupStatuses } from '../support/test-app.js';
import { ADMIN_TOKEN, requestJson, startVoiceApp } from '../support/voice.js';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const FILES = 'test/fixtures/rules/admin';

/** An app whose rules come from the fixture directory and a settings store (shared when given). */
function start(settings = new MemorySettingsStore()) {
  return startVoiceApp({ stores: { settings }, ruleSources: [createFileRuleSource(FILES), createSettingsRuleSource(settings)] });
}
const rule = (count: number) => ({ match: { method: 'POST', path: '/v1/signup' }, key: 'body.email', normalize: 'email', limits: [{ count, window: '1h' }] });
const put = (url: string, body: unknown, headers: Record<string, string> = {}) => requestJson('PUT', url, body, { ...admin, ...headers });

describe('the admin rule API', () => {
  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer wrong-wrong-wrong-wrong-wrong-00' }],
    ['a token of another length', { authorization: `Bearer ${ADMIN_TOKEN}0` }],
    ['a Basic header', { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` }],
  ])('refuses %s with 401', async (_, headers) => {
    const app = await start();
    for (const [method, path] of [['GET', '/v1/admin/rules'], ['PUT', '/v1/admin/rules/x'], ['GET', '/v1/admin/audit']] as const) {
      const response = await requestJson(method, `${app.url}${path}`, method === 'PUT' ? rule(1) : undefined, headers as Record<string, string>);
      expect(response.status).toBe(401);
      expect((await jsonOf(response)).error.code).toBe('UNAUTHORIZED');
    }
  });

  it('refuses the token in the query string', async () => {
    const app = await start();
    expect((await fetch(`${app.url}/v1/admin/rules?token=${ADMIN_TOKEN}&access_token=${ADMIN_TOKEN}`)).status).toBe(401);
  });

  it('lists the rules in force with their sources and the version of the set', async () => {
    const app = await start();
    const response = await fetch(`${app.url}/v1/admin/rules`, { headers: admin });
    const body = await jsonOf(response);
    expect(body.rules).toEqual([{ id: 'file-signup-per-phone', source: `${FILES}/signup.json`, mode: 'enforce', definition: expect.objectContaining({ key: 'body.phone' }) }]);
    expect(body.version).toMatch(/^[0-9a-f]{16}$/);
    expect(response.headers.get('etag')).toBe(`"${body.version}"`);
    expect(body.sources).toEqual([`files:${FILES}`, 'settings']);
  });

  it('puts a rule that applies at once, and audits it', async () => {
    const app = await start();
    const response = await put(`${app.url}/v1/admin/rules/email-limit`, rule(2));
    expect(response.status).toBe(200);
    const { version } = await jsonOf(response);
    expect((await jsonOf(await fetch(`${app.url}/v1/admin/rules/email-limit`, { headers: admin }))).rule.source).toBe('setting:rule:email-limit');
    expect(await signupStatuses(app.url, [1, 2, 3].map(() => ({ email: 'a@example.com' })))).toEqual([201, 201, 429]);
    const audit = await jsonOf(await fetch(`${app.url}/v1/admin/audit`, { headers: admin }));
    expect(audit.entries).toEqual([
      expect.objectContaining({ who: 'admin', name: 'rule:email-limit', subject: 'rule email-limit', newHash: version, before: null, after: { rules: [{ id: 'email-limit', ...rule(2) }] } }),
    ]);
  });

  it.each([
    ['a bad window', { ...rule(1), limits: [{ count: 1, window: '1 hour' }] }, '$.limits[0].window', '"1 hour" is not a duration'],
    ['an unknown property', { ...rule(1), limt: 3 }, '$', 'unknown property "limt"'],
    ['a count over the maximum', { ...rule(1), limits: [{ count: 5000, window: '1h' }] }, '$.limits[0].count', 'must be <= 1000'],
  ])('refuses %s with 400 INVALID_RULE naming the path, and changes nothing', async (_, body, path, reason) => {
    const app = await start();
    const before = (await jsonOf(await fetch(`${app.url}/v1/admin/rules`, { headers: admin }))).version;
    const response = await put(`${app.url}/v1/admin/rules/bad`, body);
    expect(response.status).toBe(400);
    const { error } = await jsonOf(response);
    expect(error).toMatchObject({ code: 'INVALID_RULE', field: path });
    expect(error.message).toContain(reason);
    expect((await jsonOf(await fetch(`${app.url}/v1/admin/rules`, { headers: admin }))).version).toBe(before);
    expect((await fetch(`${app.url}/v1/admin/rules/bad`, { headers: admin })).status).toBe(404);
    expect((await jsonOf(await fetch(`${app.url}/v1/admin/audit`, { headers: admin }))).entries).toEqual([]);
  });

  it('refuses an id a rule file already defines, naming the file', async () => {
    const app = await start();
    const response = await put(`${app.url}/v1/admin/rules/file-signup-per-phone`, rule(1));
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error.message).toContain(`already defined in ${FILES}/signup.json`);
  });

  it('answers 412 for a stale If-Match, and lets one of several concurrent writers with the same If-Match win', async () => {
    const app = await start();
    const version = (await jsonOf(await fetch(`${app.url}/v1/admin/rules`, { headers: admin }))).version;
    expect((await put(`${app.url}/v1/admin/rules/x`, rule(1), { 'if-match': '"0000000000000000"' })).status).toBe(412);
    const statuses = (await Promise.all([1, 2, 3, 4].map((n) => put(`${app.url}/v1/admin/rules/r${n}`, rule(n), { 'if-match': `"${version}"` })))).map((r) => r.status);
    expect(statuses.sort()).toEqual([200, 412, 412, 412]);
  });

  it('deletes a settings rule; a file rule is 409 and an unknown one 404', async () => {
    const app = await start();
    await put(`${app.url}/v1/admin/rules/gone`, rule(1));
    expect((await requestJson('DELETE', `${app.url}/v1/admin/rules/gone`, undefined, admin)).status).toBe(200);
    expect((await fetch(`${app.url}/v1/admin/rules/gone`, { headers: admin })).status).toBe(404);
    expect((await requestJson('DELETE', `${app.url}/v1/admin/rules/file-signup-per-phone`, undefined, admin)).status).toBe(409);
    expect((await requestJson('DELETE', `${app.url}/v1/admin/rules/nope`, undefined, admin)).status).toBe(404);
  });

  it('stores the design notes\' throttling setting verbatim and enforces it on the notes\' path and on /v1/signup alike', async () => {
    const app = await start();
    const throttling = { api: { '/user/v1/create': [{ caller: 'phone', 'request-count': 2, time: 60 }, { caller: 'phone', 'request-count': 100, time: 1440 }] } };
    expect((await put(`${app.url}/v1/admin/settings/throttling`, throttling)).status).toBe(200);
    expect((await jsonOf(await fetch(`${app.url}/v1/admin/settings/throttling`, { headers: admin }))).value).toEqual(throttling);
    const phone = '+14155550123';
    expect((await postJson(`${app.url}/user/v1/create`, { phone })).status).toBe(201);
    expect((await postJson(`${app.url}/v1/signup`, { phone })).status).toBe(201);
    const refused = await postJson(`${app.url}/user/v1/create`, { phone });
    expect(refused.status).toBe(429);
    expect((await jsonOf(refused)).error).toMatchObject({ rule: '/user/v1/create#phone', limit: 2, window: '1h' });
    expect((await postJson(`${app.url}/v1/signup`, { phone })).status).toBe(429);
    const bad = await put(`${app.url}/v1/admin/settings/throttling`, { api: { '/v1/signup': [{ caller: 'fax', 'request-count': 2, time: 60 }] } });
    expect(bad.status).toBe(400);
    expect((await jsonOf(bad)).error.field).toBe('$.api["/v1/signup"][0].caller');
  });

  it('lets a second instance converge on a change made through the first', async () => {
    const shared = new MemorySettingsStore();
    const [a, b] = [await start(shared), await start(shared)];
    const poll = pollSettings(shared, b.rulesInForce!, await shared.revision());
    await put(`${a.url}/v1/admin/rules/email-limit`, rule(1));
    expect(await signupStatuses(b.url, [{ email: 'c@example.com' }, { email: 'c@example.com' }])).toEqual([201, 201]);
    await poll();
    expect(await signupStatuses(b.url, [{ email: 'd@example.com' }, { email: 'd@example.com' }])).toEqual([201, 429]);
    const versions = await Promise.all([a, b].map(async (app) => (await jsonOf(await fetch(`${app.url}/v1/admin/rules`, { headers: admin }))).version));
    expect(versions[0]).toBe(versions[1]);
  });

  it('keeps unknown setting names out', async () => {
    const app = await start();
    const response = await put(`${app.url}/v1/admin/settings/colour`, { api: {} });
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error.field).toBe('name');
    expect((await postJson(`${app.url}/v1/signup`, { phone: '+14155550000' })).status).toBe(201);
  });
});
