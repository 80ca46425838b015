/**
 * The Kazoo rate-limit document routes through the composed app: the documentation's examples
 * round-trip verbatim, bad documents are refused with their JSON path and store nothing, devices
 * of other accounts are not found, and effective() reads what the routes stored with Kazoo's
 * precedence (through a RateLimits service on the app's own store).
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { createRateLimits } from '../../src/domains/rate-limits/rate-limits.js';
import { newSid } from '../../src/domains/shared/sids.js';
import { KAZOO_ACCOUNT_EXAMPLE, KAZOO_DEVICE_EXAMPLE } from '../../src/http/api/rate-limit-routes.js';
import { testRule } from '../support/rules.js';
import { jsonOf, postJson } from '../support/test-app.js';
import { ADMIN_TOKEN, createAccount, requestJson, startVoiceApp } from '../support/voice.js';

// ajv-formats is CommonJS: its default export is the function under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
/** The -d bodies of the Kazoo 4.3 documentation's curl examples, byte for byte. */
const CURL_ACCOUNT = '{"data": {"account": {"per_minute": {"total_packets": 3000},"per_second": {"total_packets": 50}},"device": {"per_minute": {"total_packets": 300},"per_second": {"total_packets": 5}}}}';
const CURL_DEVICE = '{"data": {"per_minute": {"registrations": 60,"invites": 60,"total_packets": 180},"per_second": {"registrations": 2,"invites": 4,"total_packets": 7}}}';

async function setup(options: Parameters<typeof startVoiceApp>[0] = {}) {
  const app = await startVoiceApp(options);
  const account = await createAccount(app.url);
  const base = `${app.url}/v1/accounts/${account.accountId}`;
  const device = await jsonOf(await postJson(`${base}/devices`, { name: 'desk', sipUsername: 'user_7h3k2' }, account.bearer));
  return { app, account, base, device, accountUrl: `${base}/rate_limits`, deviceUrl: `${base}/devices/${device.sid}/rate_limits`, systemUrl: `${app.url}/v1/admin/rate_limits` };
}

describe('the Kazoo documentation\'s examples', () => {
  it('round-trip verbatim on the account, device and system documents', async () => {
    const { account, accountUrl, deviceUrl, systemUrl } = await setup();
    const system = { data: { ...KAZOO_ACCOUNT_EXAMPLE.data, system: { per_second: { total_packets: 20_000 } }, consistency: 'fast' } };
    for (const [url, headers, document] of [[accountUrl, account.bearer, KAZOO_ACCOUNT_EXAMPLE], [deviceUrl, account.basic, KAZOO_DEVICE_EXAMPLE], [systemUrl, admin, system]] as const) {
      const posted = await postJson(url, document, headers);
      expect(posted.status).toBe(200);
      expect(await jsonOf(posted)).toEqual(document);
      const read = await fetch(url, { headers });
      expect(read.status).toBe(200);
      expect(await jsonOf(read)).toEqual(document);
    }
  });

  it('accept the curl bodies as written, replacing the document whole', async () => {
    const { account, accountUrl, deviceUrl } = await setup();
    await postJson(accountUrl, KAZOO_ACCOUNT_EXAMPLE, account.bearer);
    for (const [url, body] of [[accountUrl, CURL_ACCOUNT], [deviceUrl, CURL_DEVICE]]) {
      const posted = await postJson(url!, body!, account.bearer);
      expect(posted.status).toBe(200);
      expect(await jsonOf(posted)).toEqual(JSON.parse(body!));
      expect(await jsonOf(await fetch(url!, { headers: account.bearer }))).toEqual(JSON.parse(body!));
    }
  });
});

describe('GET and DELETE', () => {
  it('answer {"data": {}} when there is no document, and DELETE answers what it removed', async () => {
    const { account, accountUrl, deviceUrl, systemUrl } = await setup();
    for (const [url, headers] of [[accountUrl, account.bearer], [deviceUrl, account.bearer], [systemUrl, admin]] as const) {
      expect(await jsonOf(await fetch(url, { headers }))).toEqual({ data: {} });
      await postJson(url, { data: { consistency: 'fast' } }, headers);
      const removed = await requestJson('DELETE', url, undefined, headers);
      expect(removed.status).toBe(200);
      expect(await jsonOf(removed)).toEqual({ data: { consistency: 'fast' } });
      expect(await jsonOf(await fetch(url, { headers }))).toEqual({ data: {} });
      expect(await jsonOf(await requestJson('DELETE', url, undefined, headers))).toEqual({ data: {} });
    }
  });
});

describe('bad documents', () => {
  it.each([
    ['account', { data: { account: { per_second: { invites: -1 } } } }, 'data.account.per_second.invites', 'data.account.per_second.invites must be an integer >= 0'],
    ['account', { data: { account: { per_hour: { invites: 1 } } } }, 'data.account.per_hour', 'unknown field "data.account.per_hour"'],
    ['account', { data: { system: { per_second: { total_packets: 1 } } } }, 'data.system', 'unknown field "data.system"'],
    ['device', { data: { per_minute: { invites: 2.5 } } }, 'data.per_minute.invites', 'data.per_minute.invites must be an integer >= 0'],
    ['device', KAZOO_ACCOUNT_EXAMPLE, 'data.account', 'unknown field "data.account"'],
    ['device', { data: { consistency: 'eventual' } }, 'data.consistency', 'data.consistency must be one of "exact", "fast"'],
    ['system', { data: { system: { per_second: { total_packets: '20000' } } } }, 'data.system.per_second.total_packets', 'must be an integer >= 0'],
    ['account', { data: [] }, 'data', 'data must be an object'],
    ['account', {}, 'data', 'data is required'],
    ['device', { data: {}, auth_token: 'x' }, 'auth_token', 'unknown field "auth_token"'],
  ] as const)('%s: %j is refused with 400 naming %s, and nothing is stored', async (scope, body, field, message) => {
    const { account, accountUrl, deviceUrl, systemUrl } = await setup();
    const [url, headers] = scope === 'account' ? [accountUrl, account.bearer] : scope === 'device' ? [deviceUrl, account.bearer] : [systemUrl, admin];
    const response = await postJson(url, body, headers);
    expect(response.status).toBe(400);
    const { error } = await jsonOf(response);
    expect(error).toMatchObject({ code: 'INVALID_REQUEST', field });
    expect(error.message).toContain(message);
    expect(await jsonOf(await fetch(url, { headers }))).toEqual({ data: {} });
  });

  it('are refused before the throttle, so they are not counted', async () => {
    const rule = testRule('rate-limit-writes', [[1, '1h']], { match: { method: 'POST', path: '/v1/accounts/:accountId/rate_limits' }, key: 'param.accountId' });
    const { account, accountUrl } = await setup({ rules: [rule] });
    expect((await postJson(accountUrl, { data: { account: { per_second: { invites: -1 } } } }, account.bearer)).status).toBe(400);
    expect((await postJson(accountUrl, KAZOO_ACCOUNT_EXAMPLE, account.bearer)).status).toBe(200);
    expect((await postJson(accountUrl, KAZOO_ACCOUNT_EXAMPLE, account.bearer)).status).toBe(429);
  });
});

describe('devices that are not the account\'s', () => {
  it('answer 404 for every method before anything is stored', async () => {
    const { app, account, base } = await setup();
    const other = await createAccount(app.url, 'other');
    const theirs = await jsonOf(await postJson(`${app.url}/v1/accounts/${other.accountId}/devices`, { name: 'theirs' }, other.bearer));
    for (const sid of [theirs.sid, newSid('DV', 0), 'nope']) {
      const url = `${base}/devices/${sid}/rate_limits`;
      for (const [method, body] of [['GET', undefined], ['POST', KAZOO_DEVICE_EXAMPLE], ['DELETE', undefined]] as const) {
        const response = await requestJson(method, url, body, account.bearer);
        expect(response.status, `${method} ${sid}`).toBe(404);
        expect((await jsonOf(response)).error.code).toBe('NOT_FOUND');
      }
      expect(await app.stores.rateLimits.get({ scope: 'device', accountSid: account.accountId, deviceSid: sid })).toBeUndefined();
    }
    expect(await app.stores.rateLimits.get({ scope: 'device', accountSid: other.accountId, deviceSid: theirs.sid })).toBeUndefined();
  });
});

describe('credentials', () => {
  it('account documents: 401 without a valid token, 403 for another account\'s path', async () => {
    const { app, accountUrl, deviceUrl } = await setup();
    const other = await createAccount(app.url, 'other');
    for (const url of [accountUrl, deviceUrl]) {
      for (const [method, body] of [['GET', undefined], ['POST', KAZOO_DEVICE_EXAMPLE], ['DELETE', undefined]] as const) {
        expect((await requestJson(method, url, body)).status).toBe(401);
        expect((await requestJson(method, url, body, admin)).status).toBe(401);
        expect((await requestJson(method, url, body, other.bearer)).status).toBe(403);
      }
    }
  });

  it('the system document: 401 without the admin token, even with an account\'s', async () => {
    const { account, systemUrl } = await setup();
    for (const [method, body] of [['GET', undefined], ['POST', KAZOO_ACCOUNT_EXAMPLE], ['DELETE', undefined]] as const) {
      for (const headers of [{}, account.bearer, { authorization: 'Bearer wrong' }]) {
        const response = await requestJson(method, systemUrl, body, headers);
        expect(response.status).toBe(401);
        expect((await jsonOf(response)).error.code).toBe('UNAUTHORIZED');
      }
    }
  });

  it('the system document is not served without an admin token configured', async () => {
    const app = await startVoiceApp({ adminToken: undefined });
    expect((await fetch(`${app.url}/v1/admin/rate_limits`, { headers: admin })).status).toBe(404);
  });
});

describe('effective() over what the routes stored', () => {
  it('follows Kazoo\'s precedence: device document, then the account\'s device section, then the system\'s', async () => {
    const { app, account, accountUrl, deviceUrl, systemUrl, device } = await setup();
    const rateLimits = createRateLimits({ repository: app.stores.rateLimits, clock: app.clock, cacheMs: 0 });
    const effective = () => rateLimits.effective(account.accountId, device.sid);
    expect(await effective()).toEqual({});

    const system = { account: { per_second: { invites: 50 } }, device: { per_second: { invites: 9 } }, system: { per_minute: { total_packets: 100_000 } }, consistency: 'fast' };
    await postJson(systemUrl, { data: system }, admin);
    expect(await effective()).toEqual({
      device: { limits: system.device, source: 'system', consistency: 'fast' },
      account: { limits: system.account, source: 'system', consistency: 'fast' },
      system: { limits: system.system, consistency: 'fast' },
    });

    await postJson(accountUrl, KAZOO_ACCOUNT_EXAMPLE, account.bearer);
    expect(await effective()).toMatchObject({
      device: { limits: KAZOO_ACCOUNT_EXAMPLE.data.device, source: 'account', consistency: 'exact' },
      account: { limits: KAZOO_ACCOUNT_EXAMPLE.data.account, source: 'account', consistency: 'exact' },
    });

    await postJson(deviceUrl, KAZOO_DEVICE_EXAMPLE, account.bearer);
    expect((await effective()).device).toEqual({ limits: KAZOO_DEVICE_EXAMPLE.data, source: 'device', consistency: 'exact' });

    await requestJson('DELETE', accountUrl, undefined, account.bearer);
    expect(await effective()).toMatchObject({ device: { source: 'device' }, account: { source: 'system' } });
    await requestJson('DELETE', deviceUrl, undefined, account.bearer);
    expect((await effective()).device?.source).toBe('system');
  });
});

describe('device and rate-limit routes and /openapi.json', () => {
  it('are described in a valid OpenAPI 3.1 document (admin routes included), with examples the service accepts', async () => {
    const { app, account, accountUrl, deviceUrl, systemUrl } = await setup();
    const doc = await jsonOf(await fetch(`${app.url}/openapi.json`));
    const result = await new Validator().validate(doc);
    expect(result.errors).toBeUndefined();
    const examples = (path: string) => Object.values<{ value: unknown }>(doc.paths[path].post.requestBody.content['application/json'].examples);
    const cases = [
      ['/v1/accounts/{accountId}/rate_limits', accountUrl, account.bearer, 200],
      ['/v1/accounts/{accountId}/devices/{deviceId}/rate_limits', deviceUrl, account.bearer, 200],
      ['/v1/admin/rate_limits', systemUrl, admin, 200],
      ['/v1/accounts/{accountId}/devices', `${app.url}/v1/accounts/${account.accountId}/devices`, account.bearer, 201],
    ] as const;
    for (const [path, url, headers, status] of cases) {
      expect(examples(path).length, path).toBeGreaterThan(0);
      for (const { value } of examples(path)) expect((await postJson(url, value, headers)).status, path).toBe(status);
    }
  });

  it('answer only statuses and bodies the document describes', async () => {
    const { app, account, base, device, accountUrl, deviceUrl, systemUrl } = await setup();
    const doc = await jsonOf(await fetch(`${app.url}/openapi.json`));
    const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
    ajv.addSchema(doc, 'openapi.json');
    const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
    const check = async (response: Response, path: string, method: string, status: number) => {
      expect(response.status, `${method} ${path}`).toBe(status);
      expect(doc.paths[path][method].responses[String(status)], `${method} ${path} ${status} is documented`).toBeDefined();
      if (status === 204) return;
      const validate = ajv.getSchema(`openapi.json#/${pointer('paths', path, method, 'responses', String(status), 'content', 'application/json', 'schema')}`)!;
      const body = await response.json();
      expect(validate(body), JSON.stringify({ body, errors: validate.errors })).toBe(true);
    };
    const h = account.bearer;
    const devices = '/v1/accounts/{accountId}/devices';
    const one = `${devices}/{deviceId}`;
    await check(await postJson(`${base}/devices`, { name: 'x', sipUsername: 'user 1' }, h), devices, 'post', 400);
    await check(await fetch(`${base}/devices?pageSize=1`, { headers: h }), devices, 'get', 200);
    await check(await fetch(`${base}/devices?pageToken=x.y`, { headers: h }), devices, 'get', 400);
    await check(await fetch(`${base}/devices/${device.sid}`, { headers: h }), one, 'get', 200);
    await check(await fetch(`${base}/devices/${newSid('DV', 0)}`, { headers: h }), one, 'get', 404);
    for (const [path, url, headers, document] of [
      ['/v1/accounts/{accountId}/rate_limits', accountUrl, h, KAZOO_ACCOUNT_EXAMPLE],
      [`${one}/rate_limits`, deviceUrl, h, KAZOO_DEVICE_EXAMPLE],
      ['/v1/admin/rate_limits', systemUrl, admin, { data: { ...KAZOO_ACCOUNT_EXAMPLE.data, system: { per_minute: { invites: 1 } }, consistency: 'fast' } }],
    ] as const) {
      await check(await fetch(url, { headers }), path, 'get', 200);
      await check(await postJson(url, document, headers), path, 'post', 200);
      await check(await postJson(url, { data: { per_hour: {} } }, headers), path, 'post', 400);
      await check(await fetch(url, { headers }), path, 'get', 200);
      await check(await requestJson('DELETE', url, undefined, headers), path, 'delete', 200);
    }
    await check(await fetch(`${base}/devices/${newSid('DV', 0)}/rate_limits`, { headers: h }), `${one}/rate_limits`, 'get', 404);
    await check(await requestJson('DELETE', `${base}/devices/${device.sid}`, undefined, h), one, 'delete', 204);
  });
});
