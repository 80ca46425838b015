import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { DecisionAnswer, DecisionService, GenericCheck, PacketCheck } from '../../../src/domains/decisions/decision-service.js';
import { TollgateError } from '../../../src/errors.js';
import { unitOf } from '../../../src/grpc/descriptor-status.js';
import { loadRateLimitPackage, PROTO_DIR } from '../../../src/grpc/rate-limit-protos.js';
import { startRateLimitServer, type RateLimitServer } from '../../../src/grpc/rate-limit-server.js';

const TOKEN = 'decision-token-for-tests-0123456789';
const ALLOWED: DecisionAnswer = { allowed: true, limit: 10, remaining: 9, retryAfter: 0, rule: 'rate_limits:account:invites:per_second', resetAfter: 1, windowSeconds: 1 };
const REFUSED: DecisionAnswer = { allowed: false, limit: 600, remaining: 0, retryAfter: 41.5, rule: 'rate_limits:device:invites:per_minute', resetAfter: 41.5, windowSeconds: 60 };
const NO_RULE: DecisionAnswer = { allowed: true, limit: 0, remaining: 0, retryAfter: 0, rule: null, resetAfter: 0, windowSeconds: 0 };

type Call = { kind: 'packet'; check: PacketCheck } | { kind: 'generic'; check: GenericCheck };
type Entries = Record<string, string> | Array<[string, string]>;

/** Records every call; the account "full" is refused, the api "/none" has no rule, everything else is allowed. */
function fakeService(answer: (call: Call) => Promise<DecisionAnswer> = async (call) =>
  call.kind === 'packet' ? (call.check.account === 'full' ? REFUSED : ALLOWED) : call.check.api === '/none' ? NO_RULE : ALLOWED) {
  const calls: Call[] = [];
  const service: DecisionService = {
    checkPacket: (check) => answer(calls[calls.push({ kind: 'packet', check }) - 1]!),
    checkGeneric: (check) => answer(calls[calls.push({ kind: 'generic', check }) - 1]!),
  };
  return { service, calls };
}

const started: RateLimitServer[] = [];
const clients: grpc.Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(started.splice(0).map((server) => server.close()));
});

const RateLimitService = (loadRateLimitPackage() as unknown as { envoy: { service: { ratelimit: { v3: { RateLimitService: grpc.ServiceClientConstructor } } } } }).envoy.service.ratelimit.v3.RateLimitService;

/** A server on an ephemeral loopback port and a real client of the same protos. */
async function start(service: DecisionService, token: string | null = TOKEN) {
  const server = await startRateLimitServer({ service, token: token ?? undefined, host: '127.0.0.1', port: 0, logger: pino({ level: 'silent' }) });
  started.push(server);
  const client = new RateLimitService(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
  clients.push(client);
  const call = (descriptors: Entries[], options: { hits?: number; authorization?: string | null } = {}): Promise<any> => {
    const metadata = new grpc.Metadata();
    const authorization = options.authorization === undefined ? `Bearer ${TOKEN}` : options.authorization;
    if (authorization !== null) metadata.set('authorization', authorization);
    const request = {
      domain: 'tollgate',
      descriptors: descriptors.map((entries) => ({ entries: (Array.isArray(entries) ? entries : Object.entries(entries)).map(([key, value]) => ({ key, value })) })),
      hits_addend: options.hits ?? 0,
    };
    return new Promise((resolve, reject) => {
      (client as unknown as Record<string, (r: unknown, m: grpc.Metadata, cb: (e: grpc.ServiceError | null, r: unknown) => void) => void>).ShouldRateLimit!(request, metadata, (error, response) => (error ? reject(error) : resolve(response)));
    });
  };
  return { port: server.port, call };
}

describe('ShouldRateLimit', () => {
  it('answers OK with the status of each descriptor', async () => {
    const { service, calls } = fakeService();
    const { call } = await start(service);
    const response = await call([{ account: 'acc-1', device: 'dev-7', kind: 'invite', remote_address: '203.0.113.9' }]);
    expect(calls).toEqual([{ kind: 'packet', check: { account: 'acc-1', device: 'dev-7', kind: 'invite', ip: '203.0.113.9' } }]);
    expect(response).toEqual({
      overall_code: 'OK',
      statuses: [{ code: 'OK', current_limit: { name: ALLOWED.rule, requests_per_unit: 10, unit: 'SECOND' }, limit_remaining: 9, duration_until_reset: { seconds: 1, nanos: 0 } }],
    });
  });

  it('answers OVER_LIMIT when any descriptor is over, with every status in order', async () => {
    const { service, calls } = fakeService();
    const { call } = await start(service);
    const response = await call([{ account: 'acc-1' }, { account: 'full', kind: 'registration' }, { api: '/none' }]);
    expect(calls.map((c) => c.check)).toEqual([{ account: 'acc-1', kind: 'packet' }, { account: 'full', kind: 'registration' }, { api: '/none', keys: {} }]);
    expect(response.overall_code).toBe('OVER_LIMIT');
    expect(response.statuses).toEqual([
      expect.objectContaining({ code: 'OK' }),
      { code: 'OVER_LIMIT', current_limit: { name: REFUSED.rule, requests_per_unit: 600, unit: 'MINUTE' }, limit_remaining: 0, duration_until_reset: { seconds: 41, nanos: 500_000_000 } },
      // No rule applies: OK without a limit, as Envoy's reference service answers.
      { code: 'OK', current_limit: null, limit_remaining: 0, duration_until_reset: null },
    ]);
  });

  it.each<[string, Entries, number, GenericCheck]>([
    ['an api entry and rule-spelled keys', { api: '/v1/signup', 'body.phone': '+14155551212', 'header.x-device-id': 'd1' }, 0, { api: '/v1/signup', keys: { 'body.phone': '+14155551212', 'header.x-device-id': 'd1' } }],
    ['generic_key as the api, remote_address as ip', { generic_key: '/v1/signup', remote_address: '2001:db8::7', token: 't1' }, 2, { api: '/v1/signup', keys: { ip: '2001:db8::7', token: 't1' }, cost: 2 }],
    [':path without its query, :method upper-cased', { ':path': '/v1/accounts/AC1/calls?page=2', ':method': 'get', 'param.accountId': 'AC1' }, 0, { api: '/v1/accounts/AC1/calls', method: 'GET', keys: { 'param.accountId': 'AC1' } }],
  ])('reads %s as a generic check', async (_, entries, hits, expected) => {
    const { service, calls } = fakeService();
    const { call } = await start(service);
    await call([entries], { hits });
    expect(calls).toEqual([{ kind: 'generic', check: expected }]);
  });

  it('passes hits_addend as a packet check\'s count (0, the default, is one message)', async () => {
    const { service, calls } = fakeService();
    const { call } = await start(service);
    await call([{ account: 'a' }], { hits: 3 });
    await call([{ account: 'a' }], { hits: 0 });
    expect(calls.map((c) => c.check)).toEqual([{ account: 'a', kind: 'packet', count: 3 }, { account: 'a', kind: 'packet' }]);
  });
});

describe('ShouldRateLimit credentials', () => {
  it.each([
    ['no authorization metadata', null],
    ['a wrong token', 'Bearer decision-token-for-tests-WRONG-0000'],
    ['the token without Bearer', TOKEN],
  ])('refuses %s with UNAUTHENTICATED, deciding nothing', async (_, authorization) => {
    const { service, calls } = fakeService();
    const { call } = await start(service);
    await expect(call([{ account: 'a' }], { authorization })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: expect.stringContaining('Bearer') });
    expect(calls).toEqual([]);
  });

  it('takes calls without credentials when no token is set', async () => {
    const { service, calls } = fakeService();
    const { call } = await start(service, null);
    expect((await call([{ account: 'a' }], { authorization: null })).overall_code).toBe('OK');
    expect(calls).toHaveLength(1);
  });
});

describe('ShouldRateLimit refuses what it cannot read', () => {
  it.each<[string, Entries[], number, string]>([
    ['no descriptor', [], 0, 'descriptors: at least one'],
    ['an empty descriptor', [{ account: 'a' }, {}], 0, 'descriptors[1] has no entries'],
    ['an entry tollgate does not know', [{ account: 'a' }, { api: '/v1/x', header_match: 'yes' }], 0, 'descriptors[1]: entry "header_match"'],
    ['a key given twice', [{ api: '/v1/x' }, [['api', '/v1/x'], ['remote_address', '10.0.0.1'], ['ip', '10.0.0.2']]], 0, 'descriptors[1]: key "ip" is given twice'],
    ['two entries naming the api', [[['generic_key', '/v1/a'], [':path', '/v1/b']]], 0, 'descriptors[0] names its api twice'],
    ['no api', [{ 'body.phone': '+14155551212' }], 0, 'descriptors[0] names no api'],
    ['an api that is not a path', [{ generic_key: 'signup' }], 0, 'descriptors[0]: api "signup"'],
    ['an unknown method', [{ api: '/v1/x', method: 'BREW' }], 0, 'descriptors[0]: method "BREW"'],
    ['an unknown kind', [{ account: 'a', kind: 'bye' }], 0, 'descriptors[0]: kind "bye"'],
    ['a packet descriptor with a foreign entry', [{ account: 'a', 'body.phone': '1' }], 0, 'descriptors[0]: entry "body.phone" does not belong in a packet descriptor'],
    ['an ip that is not one', [{ account: 'a', remote_address: 'unknown' }], 0, 'descriptors[0]: ip "unknown"'],
    ['hits_addend over 1000', [{ account: 'a' }], 1001, 'hits_addend: 1001 is over 1000'],
  ])('%s: INVALID_ARGUMENT naming it, nothing decided', async (_, descriptors, hits, details) => {
    const { service, calls } = fakeService();
    const { call } = await start(service);
    await expect(call(descriptors, { hits })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringContaining(details) });
    expect(calls).toEqual([]);
  });

  it('answers UNAVAILABLE when the decision store cannot answer, INTERNAL for anything else', async () => {
    const unavailable = await start(fakeService(async () => {
      throw new TollgateError('THROTTLE_UNAVAILABLE', 'The rate limiter cannot decide right now');
    }).service);
    await expect(unavailable.call([{ account: 'a' }])).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    const broken = await start(fakeService(async () => {
      throw new Error('a bug with internals in its message');
    }).service);
    await expect(broken.call([{ account: 'a' }])).rejects.toMatchObject({ code: grpc.status.INTERNAL, details: 'Internal error' });
  });
});

describe('unitOf', () => {
  it.each([
    [1, 'SECOND'], [7, 'SECOND'], [8, 'MINUTE'], [60, 'MINUTE'], [90, 'MINUTE'], [464, 'MINUTE'], [465, 'HOUR'],
    [3600, 'HOUR'], [17_636, 'HOUR'], [17_637, 'DAY'], [86_400, 'DAY'], [604_800, 'DAY'],
  ])('names a window of %i s %s', (seconds, unit) => {
    expect(unitOf(seconds)).toBe(unit);
  });
});

describe('the protos and the client script', () => {
  it('are read from the package root', () => {
    expect(PROTO_DIR).toBe(`${resolve('proto')}/`);
  });

  it('scripts/grpc-check.mjs asks a running server and prints its answer', async () => {
    const { service, calls } = fakeService();
    const { port } = await start(service);
    const { stdout } = await promisify(execFile)(process.execPath, ['scripts/grpc-check.mjs', '--target', `127.0.0.1:${port}`, '--hits', '2', 'account=full,kind=invite', 'api=/v1/signup,body.phone=+14155551212'], {
      env: { ...process.env, DECISION_TOKEN: TOKEN },
    });
    expect(calls.map((c) => c.check)).toEqual([{ account: 'full', kind: 'invite', count: 2 }, { api: '/v1/signup', keys: { 'body.phone': '+14155551212' }, cost: 2 }]);
    expect(JSON.parse(stdout)).toMatchObject({ overall_code: 'OVER_LIMIT', statuses: [{ code: 'OVER_LIMIT' }, { code: 'OK' }] });
  });
});
