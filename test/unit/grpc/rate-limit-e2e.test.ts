/**
 * Envoy's ShouldRateLimit end to end: the gRPC server (grpc/rate-limit-server.ts) over the REAL
 * DecisionService of a composed app (memory store, manual clock), asked by a real @grpc/grpc-js
 * client of the vendored protos. Rate-limit documents and devices are made through the app's HTTP
 * API; the answers are Envoy's codes and statuses, and what one call counts the next one sees.
 */
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../../src/clock.js';
import { loadRateLimitPackage } from '../../../src/grpc/rate-limit-protos.js';
import { startRateLimitServer, type RateLimitServer } from '../../../src/grpc/rate-limit-server.js';
import { parseRules } from '../../../src/rules/parse-rules.js';
import { jsonOf, postJson, type TestApp } from '../../support/test-app.js';
import { createAccount, startVoiceApp, type TestAccount } from '../../support/voice.js';

const T0 = 1_800_000_000_000;
const TOKEN = 'decision-token-for-tests-0123456789';
const SIGNUP_RULE = parseRules('test', {
  rules: [{ id: 'signup-per-phone', match: { method: 'POST', path: '/v1/signup' }, key: 'body.phone', normalize: 'e164', limits: [{ count: 3, window: '1h' }] }],
});

const RateLimitService = (loadRateLimitPackage() as unknown as { envoy: { service: { ratelimit: { v3: { RateLimitService: grpc.ServiceClientConstructor } } } } }).envoy.service.ratelimit.v3.RateLimitService;

const servers: RateLimitServer[] = [];
const clients: grpc.Client[] = [];
afterAll(async () => {
  for (const client of clients) client.close();
  await Promise.all(servers.map((server) => server.close()));
});

type Entries = Record<string, string>;

/** A composed app, an account with one device, their documents stored through the API, and a gRPC server and client on the app's DecisionService. */
async function setUp() {
  const app = await startVoiceApp({ rules: SIGNUP_RULE, clock: createManualClock(T0), decisionToken: TOKEN });
  const account = await createAccount(app.url);
  const device = (await jsonOf(await postJson(`${app.url}/v1/accounts/${account.accountId}/devices`, { name: 'desk' }, account.bearer))).sid as string;
  await store(app, account, `/v1/accounts/${account.accountId}/rate_limits`, { account: { per_second: { invites: 3 } } });
  await store(app, account, `/v1/accounts/${account.accountId}/devices/${device}/rate_limits`, { per_second: { invites: 2 }, per_minute: { registrations: 60 } });

  const server = await startRateLimitServer({ service: app.composed.decisions, token: TOKEN, host: '127.0.0.1', port: 0, logger: pino({ level: 'silent' }) });
  servers.push(server);
  const client = new RateLimitService(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
  clients.push(client);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const call = (descriptors: Entries[], options: { hits?: number; authorization?: string | null } = {}): Promise<any> => {
    const metadata = new grpc.Metadata();
    const authorization = options.authorization === undefined ? `Bearer ${TOKEN}` : options.authorization;
    if (authorization !== null) metadata.set('authorization', authorization);
    const request = { domain: 'tollgate', descriptors: descriptors.map((entries) => ({ entries: Object.entries(entries).map(([key, value]) => ({ key, value })) })), hits_addend: options.hits ?? 0 };
    return new Promise((resolve, reject) => {
      (client as unknown as Record<string, (r: unknown, m: grpc.Metadata, cb: (e: grpc.ServiceError | null, r: unknown) => void) => void>).ShouldRateLimit!(request, metadata, (error, response) => (error ? reject(error) : resolve(response)));
    });
  };
  return { app, account, device, call };
}

async function store(app: TestApp, account: TestAccount, path: string, data: unknown): Promise<void> {
  const response = await postJson(`${app.url}${path}`, { data }, account.bearer);
  expect(response.status).toBe(200);
}

describe('ShouldRateLimit over the composed DecisionService', () => {
  it('answers OK, then OVER_LIMIT once the device\'s document refuses, with Envoy\'s current_limit', async () => {
    const { account, device, call } = await setUp();
    const invite = { account: account.accountId, device, kind: 'invite', remote_address: '203.0.113.9' };
    const first = await call([invite]);
    expect(first).toEqual({
      overall_code: 'OK',
      statuses: [{ code: 'OK', current_limit: { name: 'rate_limits:device:invites:per_second', requests_per_unit: 2, unit: 'SECOND' }, limit_remaining: 1, duration_until_reset: { seconds: 1, nanos: 0 } }],
    });
    expect((await call([invite])).overall_code).toBe('OK');
    const over = await call([invite]);
    expect(over).toEqual({
      overall_code: 'OVER_LIMIT',
      statuses: [{ code: 'OVER_LIMIT', current_limit: { name: 'rate_limits:device:invites:per_second', requests_per_unit: 2, unit: 'SECOND' }, limit_remaining: 0, duration_until_reset: { seconds: 1, nanos: 0 } }],
    });
    // Registrations are limited per minute by the same document, untouched by the invites.
    const registration = await call([{ account: account.accountId, device, kind: 'registration' }]);
    expect(registration.statuses[0]).toMatchObject({ code: 'OK', current_limit: { name: 'rate_limits:device:registrations:per_minute', requests_per_unit: 60, unit: 'MINUTE' }, limit_remaining: 59 });
  });

  it('decides the account and device descriptors of one call together, OVER_LIMIT when any is', async () => {
    const { account, device, call } = await setUp();
    // hits_addend 2: two invites from the device, which is its whole second.
    const both = await call([{ account: account.accountId, device, kind: 'invite' }, { account: account.accountId, kind: 'invite' }], { hits: 2 });
    // Each descriptor is one check of 2 invites against the account's 3 a second: whichever is decided
    // second is refused by the account (all or nothing: a refused device check counts in no tier).
    expect(both.overall_code).toBe('OVER_LIMIT');
    expect(both.statuses.map((s: { code: string }) => s.code).sort()).toEqual(['OK', 'OVER_LIMIT']);
    const refused = both.statuses.find((s: { code: string }) => s.code === 'OVER_LIMIT');
    expect(refused).toMatchObject({ current_limit: { name: 'rate_limits:account:invites:per_second', requests_per_unit: 3 }, limit_remaining: 1 });
    // Account-only descriptors: what the account has left is what the next one sees.
    const accountOnly = await call([{ account: account.accountId, kind: 'invite' }]);
    expect(accountOnly.statuses[0]).toMatchObject({ code: 'OK', current_limit: { name: 'rate_limits:account:invites:per_second', requests_per_unit: 3 }, limit_remaining: 0 });
    expect((await call([{ account: account.accountId, kind: 'invite' }])).overall_code).toBe('OVER_LIMIT');
  });

  it('answers a generic descriptor from the rules, counted with the HTTP API\'s own requests', async () => {
    const { app, call } = await setUp();
    const signup = { api: '/v1/signup', 'body.phone': '+1 415 555 0100', remote_address: '203.0.113.9' };
    const ok = await call([signup]);
    expect(ok.statuses).toEqual([{ code: 'OK', current_limit: { name: 'signup-per-phone', requests_per_unit: 3, unit: 'HOUR' }, limit_remaining: 2, duration_until_reset: { seconds: 3600, nanos: 0 } }]);
    expect((await postJson(`${app.url}/v1/signup`, { phone: '+14155550100' })).status).toBe(201);
    expect((await call([signup])).statuses[0]).toMatchObject({ code: 'OK', limit_remaining: 0 });
    expect((await call([signup])).overall_code).toBe('OVER_LIMIT');
    expect((await postJson(`${app.url}/v1/signup`, { phone: '+14155550100' })).status).toBe(429);
    // generic_key names the api as Envoy's constant per route does; an api without rules is OK without a limit.
    expect((await call([{ generic_key: '/v1/signup', 'body.phone': '+14155550101' }])).statuses[0]).toMatchObject({ code: 'OK', limit_remaining: 2 });
    expect((await call([{ api: '/v1/nothing' }])).statuses).toEqual([{ code: 'OK', current_limit: null, limit_remaining: 0, duration_until_reset: null }]);
  });

  it('refuses a key that does not normalise with INVALID_ARGUMENT naming it, counting nothing', async () => {
    const { call } = await setUp();
    await expect(call([{ api: '/v1/signup', 'body.phone': 'no phone' }])).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringContaining('keys.body.phone'),
    });
    // A descriptor that is no check at all fails the call before any descriptor is decided.
    await expect(call([{ api: '/v1/signup', 'body.phone': '+14155550100' }, { account: 'AC1', kind: 'bye' }])).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringContaining('descriptors[1]: kind "bye"'),
    });
    expect((await call([{ api: '/v1/signup', 'body.phone': '+14155550100' }])).statuses[0]).toMatchObject({ code: 'OK', limit_remaining: 2 });
  });

  it('takes only calls with the service token in the metadata, and counts nothing for the others', async () => {
    const { account, device, call } = await setUp();
    const invite = { account: account.accountId, device, kind: 'invite' };
    for (const authorization of [null, 'Bearer not-the-decision-token-000000', TOKEN]) {
      await expect(call([invite], { authorization })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    }
    expect((await call([invite])).statuses[0]).toMatchObject({ code: 'OK', limit_remaining: 1 });
  });
});
