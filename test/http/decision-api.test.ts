import { createServer, METHODS, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa, { type Middleware } from 'koa';
import Router from '@koa/router';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { Validator } from '@seriousme/openapi-schema-validator';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import type { DecisionAnswer, DecisionService, GenericCheck, PacketCheck } from '../../src/domains/decisions/decision-service.js';
import { TollgateError } from '../../src/errors.js';
import { batchSchema, checkSchema, decisionRoutes } from '../../src/http/api/decision-routes.js';
import { requireServiceToken } from '../../src/http/authenticate.js';
import { mountRoutes, servedRoutes } from '../../src/http/mount-routes.js';
import { buildOpenApiDocument } from '../../src/http/openapi.js';
import { laneFailure, renderErrors } from '../../src/http/render-error.js';
import { fastLane } from '../../src/http/fast-lane.js';
import { laneRoutes } from '../../src/http/lane-routes.js';
import { jsonOf, postJson } from '../support/test-app.js';

const TOKEN = 'decision-token-for-tests-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const ALLOWED: DecisionAnswer = { allowed: true, limit: 10, remaining: 9, retryAfter: 0, rule: 'rate_limits:account:invites:per_second', resetAfter: 1, windowSeconds: 1 };
const REFUSED: DecisionAnswer = { allowed: false, limit: 10, remaining: 0, retryAfter: 2.3, rule: 'rate_limits:device:invites:per_minute', resetAfter: 41, windowSeconds: 60 };

type Call = { kind: 'packet'; check: PacketCheck } | { kind: 'generic'; check: GenericCheck };

/** A DecisionService that records every call and answers with `answer` (REFUSED for the account "full", else ALLOWED). */
function fakeService(answer: (call: Call) => Promise<DecisionAnswer> = async (call) => (call.kind === 'packet' && call.check.account === 'full' ? REFUSED : ALLOWED)) {
  const calls: Call[] = [];
  const service: DecisionService = {
    checkPacket: (check) => answer(calls[calls.push({ kind: 'packet', check }) - 1]!),
    checkGeneric: (check) => answer(calls[calls.push({ kind: 'generic', check }) - 1]!),
  };
  return { service, calls };
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** The decision routes mounted as createApp mounts the registry (the fast lane in front), with the service token or without. */
async function startApp(service: DecisionService, token: string | null = TOKEN): Promise<string> {
  const logger = pino({ level: 'silent' });
  const clock = createManualClock(0);
  const router = new Router({ sensitive: true, strict: true, methods: METHODS });
  const unused: Middleware = () => {
    throw new Error('not a guard of the decision routes');
  };
  mountRoutes(router, decisionRoutes(service), { throttle: unused, authenticate: unused, requireAdmin: undefined, requireService: token === null ? undefined : requireServiceToken(token), logger, clock });
  const app = new Koa();
  app.silent = true;
  app.use(renderErrors(logger, clock));
  app.use(router.routes());
  app.use(router.allowedMethods());
  // Served as main.ts serves the app: the decision routes are answered by the fast lane in front of it.
  const lane = laneRoutes(decisionRoutes(service), { clientAddress: { trustProxyHops: 0, ipv6PrefixLength: 64 }, serviceToken: token ?? undefined });
  const server = createServer(fastLane(app.callback(), lane, { failed: laneFailure(logger, clock) }));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const check = (url: string, body: unknown, headers: Record<string, string> = auth) => postJson(`${url}/v1/throttle/check`, body, headers);
const batch = (url: string, body: unknown, headers: Record<string, string> = auth) => postJson(`${url}/v1/throttle/check/batch`, body, headers);

describe('POST /v1/throttle/check', () => {
  it('passes a packet check to checkPacket and answers 200 with the answer', async () => {
    const { service, calls } = fakeService();
    const url = await startApp(service);
    const response = await check(url, { account: 'acc-1', device: 'dev-7', kind: 'invite', ip: '2001:db8::1', count: 3 });
    expect(response.status).toBe(200);
    expect(response.headers.get('retry-after')).toBeNull();
    expect(await jsonOf(response)).toEqual(ALLOWED);
    expect(calls).toEqual([{ kind: 'packet', check: { account: 'acc-1', device: 'dev-7', kind: 'invite', ip: '2001:db8::1', count: 3 } }]);
  });

  it('passes a generic check to checkGeneric', async () => {
    const { service, calls } = fakeService();
    const url = await startApp(service);
    const body = { api: '/v1/signup', method: 'POST', keys: { 'body.phone': '+14155551212', ip: '203.0.113.9', 'header.x-device-id': 'd1' }, cost: 0 };
    expect((await check(url, body)).status).toBe(200);
    expect(calls).toEqual([{ kind: 'generic', check: body }]);
  });

  it('answers a refusal with 200, allowed false and Retry-After rounded up', async () => {
    const url = await startApp(fakeService().service);
    const response = await check(url, { account: 'full', kind: 'registration' });
    expect(response.status).toBe(200);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(await jsonOf(response)).toEqual(REFUSED);
  });

  it('renders a decision store that does not answer as 503', async () => {
    const url = await startApp(fakeService(async () => {
      throw new TollgateError('THROTTLE_UNAVAILABLE', 'The rate limiter cannot decide right now', { headers: { 'Retry-After': '1' } });
    }).service);
    const response = await check(url, { account: 'acc-1', kind: 'packet' });
    expect(response.status).toBe(503);
    expect((await jsonOf(response)).error.code).toBe('THROTTLE_UNAVAILABLE');
  });
});

describe('POST /v1/throttle/check/batch', () => {
  it('answers every check in the order given, even when the answers come back in another order', async () => {
    const pending: Array<(answer: DecisionAnswer) => void> = [];
    const { service, calls } = fakeService((call) => new Promise((resolve) => pending.push(() => resolve({ ...ALLOWED, rule: call.kind === 'packet' ? call.check.account : call.check.api }))));
    const url = await startApp(service);
    const checks = [{ account: 'a0', kind: 'packet' }, { api: '/v1/a1', keys: {} }, { account: 'a2', kind: 'invite' }, { api: '/v1/a3', keys: { ip: '192.0.2.1' } }];
    const answered = batch(url, { checks });
    await vi.waitFor(() => expect(calls).toHaveLength(4));
    for (const resolve of pending.reverse()) resolve(ALLOWED);
    const response = await answered;
    expect(response.status).toBe(200);
    expect((await jsonOf(response)).results.map((r: DecisionAnswer) => r.rule)).toEqual(['a0', '/v1/a1', 'a2', '/v1/a3']);
    expect(calls.map((c) => c.check)).toEqual(checks);
  });

  it('decides nothing when any check is bad, and names it by its place', async () => {
    const { service, calls } = fakeService();
    const url = await startApp(service);
    const checks = [{ account: 'a', kind: 'packet' }, { account: 'b', kind: 'invite' }, { api: '/v1/x', keys: {} }, { account: 'c', kind: 'bye' }];
    const response = await batch(url, { checks });
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({ code: 'INVALID_REQUEST', field: 'checks[3].kind' });
    expect(calls).toEqual([]);
  });

  it('takes 1000 checks and refuses 1001', async () => {
    const { service, calls } = fakeService();
    const url = await startApp(service);
    const many = (n: number) => ({ checks: Array.from({ length: n }, (_, i) => ({ account: `acc-${i}`, kind: 'packet' })) });
    expect((await jsonOf(await batch(url, many(1000)))).results).toHaveLength(1000);
    const over = await batch(url, many(1001));
    expect(over.status).toBe(400);
    expect((await jsonOf(over)).error.field).toBe('checks');
    expect(calls).toHaveLength(1000);
  });
});

describe('the decision routes\' token', () => {
  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer decision-token-for-tests-WRONG-0000' }],
    ['the token in another scheme', { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }],
    ['the token twice', { authorization: `Bearer ${TOKEN}, Bearer ${TOKEN}` }],
  ])('refuses %s with 401 UNAUTHENTICATED before reading the body', async (_, headers) => {
    const { service, calls } = fakeService();
    const url = await startApp(service);
    for (const response of [await check(url, { account: 'a', kind: 'invite' }, headers), await batch(url, { not: 'even valid' }, headers)]) {
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect((await jsonOf(response)).error).toEqual({ code: 'UNAUTHENTICATED', message: expect.stringContaining('DECISION_TOKEN') });
    }
    expect(calls).toEqual([]);
  });

  it('are not mounted without DECISION_TOKEN', async () => {
    const { service, calls } = fakeService();
    const url = await startApp(service, null);
    expect((await check(url, { account: 'a', kind: 'invite' })).status).toBe(404);
    expect((await batch(url, { checks: [{ account: 'a', kind: 'invite' }] })).status).toBe(404);
    expect(calls).toEqual([]);
  });
});

/** Bad single checks: [what, body, the field named]. */
const BAD_CHECKS: Array<[string, unknown, string]> = [
  ['an array body', [], 'body'],
  ['neither form', { kind: 'invite' }, 'account'],
  ['both forms', { account: 'a', kind: 'invite', api: '/v1/x', keys: {} }, 'api'],
  ['an unknown packet field', { account: 'a', kind: 'invite', keys: {} }, 'keys'],
  ['an unknown generic field', { api: '/v1/x', keys: {}, kind: 'invite' }, 'kind'],
  ['an empty account', { account: '', kind: 'invite' }, 'account'],
  ['a numeric account', { account: 7, kind: 'invite' }, 'account'],
  ['no kind', { account: 'a' }, 'kind'],
  ['an unknown kind', { account: 'a', kind: 'bye' }, 'kind'],
  ['an empty device', { account: 'a', kind: 'invite', device: '' }, 'device'],
  ['an ip that is not one', { account: 'a', kind: 'invite', ip: '999.1.1.1' }, 'ip'],
  ['count 0', { account: 'a', kind: 'invite', count: 0 }, 'count'],
  ['count 1001', { account: 'a', kind: 'invite', count: 1001 }, 'count'],
  ['a fractional count', { account: 'a', kind: 'invite', count: 1.5 }, 'count'],
  ['an api without a slash', { api: 'v1/x', keys: {} }, 'api'],
  ['an unknown method', { api: '/v1/x', method: 'BREW', keys: {} }, 'method'],
  ['no keys', { api: '/v1/x' }, 'keys'],
  ['keys as a list', { api: '/v1/x', keys: ['ip'] }, 'keys'],
  ['a key not spelled as a rule spells it', { api: '/v1/x', keys: { phone: '+14155551212' } }, 'keys.phone'],
  ['a key that is not a string', { api: '/v1/x', keys: { ip: 1 } }, 'keys.ip'],
  ['an empty key', { api: '/v1/x', keys: { 'body.phone': '' } }, 'keys.body.phone'],
  ['a negative cost', { api: '/v1/x', keys: {}, cost: -1 }, 'cost'],
  ['cost 1001', { api: '/v1/x', keys: {}, cost: 1001 }, 'cost'],
];

/** Bad batches: [what, body, the field named]. */
const BAD_BATCHES: Array<[string, unknown, string]> = [
  ['no checks', {}, 'checks'],
  ['checks not a list', { checks: { account: 'a' } }, 'checks'],
  ['no check at all', { checks: [] }, 'checks'],
  ['an unknown field', { checks: [{ account: 'a', kind: 'invite' }], extra: 1 }, 'extra'],
  ['a check that is not an object', { checks: [{ account: 'a', kind: 'invite' }, 'a'] }, 'checks[1]'],
  ['a bad key in the third check', { checks: [{ api: '/v1/x', keys: {} }, { api: '/v1/x', keys: {} }, { api: '/v1/x', keys: { 'cookie.x': 'y' } }] }, 'checks[2].keys.cookie.x'],
];

describe('bad input', () => {
  it.each(BAD_CHECKS)('single check with %s: 400 naming the field, nothing decided', async (_, body, field) => {
    const { service, calls } = fakeService();
    const response = await check(await startApp(service), body);
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({ code: 'INVALID_REQUEST', field });
    expect(calls).toEqual([]);
  });

  it.each(BAD_BATCHES)('batch with %s: 400 naming the field, nothing decided', async (_, body, field) => {
    const { service, calls } = fakeService();
    const response = await batch(await startApp(service), body);
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({ code: 'INVALID_REQUEST', field });
    expect(calls).toEqual([]);
  });

  it('every single bad check, placed in a batch, is named by its place', async () => {
    const { service, calls } = fakeService();
    const url = await startApp(service);
    for (const [what, body, field] of BAD_CHECKS) {
      const response = await batch(url, { checks: [{ account: 'ok', kind: 'packet' }, body] });
      expect((await jsonOf(response)).error.field, what).toBe(field === 'body' ? 'checks[1]' : `checks[1].${field}`);
    }
    expect(calls).toEqual([]);
  });
});

describe('the documented body schemas', () => {
  // ajv-formats is CommonJS: its default export is the function under NodeNext.
  const ajv = (addFormatsModule as unknown as (ajv: Ajv) => Ajv)(new Ajv({ strict: true, strictRequired: false, allowUnionTypes: true }));
  const validCheck = ajv.compile(checkSchema);
  const validBatch = ajv.compile(batchSchema);
  const GOOD = [{ account: 'a', kind: 'packet' }, { account: 'a', device: 'd', kind: 'registration', ip: '10.0.0.1', count: 1000 }, { api: '/v1/x', keys: {} }, { api: '/v1/x', method: 'GET', keys: { token: 't', 'param.accountId': 'AC1' }, cost: 0 }];

  it('accept exactly what the routes accept (the routes check by hand, the schemas document)', async () => {
    const { service } = fakeService();
    const url = await startApp(service);
    for (const body of GOOD) {
      expect(validCheck(body), JSON.stringify(body)).toBe(true);
      expect((await check(url, body)).status).toBe(200);
    }
    for (const [what, body] of BAD_CHECKS) expect(validCheck(body), what).toBe(false);
    for (const [what, body] of BAD_BATCHES) expect(validBatch(body), what).toBe(false);
    expect(validBatch({ checks: GOOD })).toBe(true);
  });

  it('are in a valid OpenAPI document that asks for the service token', async () => {
    const doc = buildOpenApiDocument(servedRoutes(decisionRoutes(fakeService().service), false, true)) as { paths: Record<string, { post: { security: unknown; responses: Record<string, unknown> } }>; components: { securitySchemes: Record<string, unknown> } };
    const result = await new Validator().validate(doc);
    expect(result.errors).toBeUndefined();
    for (const path of ['/v1/throttle/check', '/v1/throttle/check/batch']) {
      expect(doc.paths[path]!.post.security).toEqual([{ serviceToken: [] }]);
      expect(Object.keys(doc.paths[path]!.post.responses).sort()).toEqual(['200', '400', '401', '413', '415', '500', '503']);
    }
    expect(doc.components.securitySchemes.serviceToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(buildOpenApiDocument(servedRoutes(decisionRoutes(fakeService().service), false)).paths).toEqual({});
  });
});
