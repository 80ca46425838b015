import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createKeyHasher } from '../../../src/keys/key-hasher.js';
import type { CliService } from '../../../src/cli/cli-service.js';
import { CLI_KEY_SECRET, dirWith, memoryService, runBin, runWith } from './cli-support.js';

const SIGNUP = {
  rules: [
    {
      id: 'per-phone',
      match: { method: 'POST', path: '/v1/signup' },
      key: 'body.phone',
      normalize: 'e164',
      limits: [{ count: 5, window: '1h' }, { count: 30, window: '24h' }],
      error: { message: 'Too many signups for this phone number.' },
    },
    { id: 'per-email', match: { method: 'POST', path: '/v1/signup' }, key: 'body.email', normalize: 'email', stripPlusTag: true, limits: [{ count: 5, window: '1h' }] },
  ],
};
const BODY = JSON.stringify({ phone: '+1 (415) 555-1212', email: 'Alice+News@Example.com', name: 'Alice' });
const hash = createKeyHasher(CLI_KEY_SECRET).hash;
const MINUTE = 60_000;

const servers: Array<{ close(): void }> = [];
afterAll(() => servers.forEach((server) => server.close()));

/** The same request sent to the service itself (the app composed for the CLI, driven over HTTP). */
async function serviceAnswer(service: CliService, method: string, path: string, body?: string): Promise<Response> {
  const server = createServer(service.composed.listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return fetch(`http://127.0.0.1:${port}${path}`, { method, ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }) });
}

async function seed(service: CliService, ruleId: string, key: string, atMs: number[]): Promise<void> {
  await service.stores.callLog.appendMany({ caller: hash(key), api: ruleId }, 0, atMs, 86_460, { timeoutMs: 1_000 });
}

const explain = (service: CliService, ...args: string[]) => runWith(service, ['rules', 'explain', ...args]);
const resultLine = (out: string[]) => out.find((line) => line.startsWith('result: '));

describe('tollgate rules explain', () => {
  it('explains a signup against the memory store: rules, keys raw and normalised, partitions, windows, decision (the bin)', async () => {
    const dir = dirWith({ 'signup.json': JSON.stringify(SIGNUP) });
    const run = await runBin(['rules', 'explain', '--method', 'POST', '--path', '/v1/signup', '--body', BODY], { RULES_DIR: dir });
    expect(run.code).toBe(0);
    expect(run.out.slice(0, -1)).toEqual([
      'route: POST /v1/signup (signup; auth none)',
      `rule per-phone (${dir}/signup.json): counted: decides on the request`,
      '  key body.phone: "+1 (415) 555-1212" -> "+14155551212"',
      `  partition: ${hash('+14155551212')}`,
      '  window 1h: 0 of 5 used (5 left)',
      '  window 1d: 0 of 30 used (30 left)',
      '  decision: admitted',
      `rule per-email (${dir}/signup.json): counted: decides on the request`,
      '  key body.email: "Alice+News@Example.com" -> "alice@example.com"',
      `  partition: ${hash('alice@example.com')}`,
      '  window 1h: 0 of 5 used (5 left)',
      '  decision: admitted',
      'result: admitted by the throttle (the handler answers)',
      '  RateLimit-Policy: "per-phone/1h";q=5;w=3600, "per-phone/1d";q=30;w=86400, "per-email/1h";q=5;w=3600',
      '  RateLimit: "per-phone/1h";r=4;t=3600, "per-phone/1d";r=29;t=86400, "per-email/1h";r=4;t=3600',
    ]);
    expect(run.out.at(-1)).toMatch(/^\(read from the memory store at \d{4}-\d\d-\d\dT[\d:.]+Z; explain counts nothing\)$/);
    expect(run.err).toEqual([expect.stringMatching(/^note: store is the embedded in-memory store/)]);
  });

  it('predicts a denial exactly as the service then answers it, and counts nothing', async () => {
    const { service, clock } = memoryService([SIGNUP]);
    const now = clock();
    await seed(service, 'per-phone', '+14155551212', [50, 40, 30, 20, 10].map((m) => now - m * MINUTE));
    const run = await explain(service, '--method', 'POST', '--path', '/v1/signup', '--body', BODY, '--json');
    expect(run.code).toBe(0);
    const explanation = JSON.parse(run.out.join('\n'));
    expect(explanation.outcome).toMatchObject({ kind: 'denied', status: 429, code: 'REQUEST_LIMIT_REACHED', rule: 'per-phone', retryAfter: 600, message: 'Too many signups for this phone number.' });
    expect(explanation.rules.map((r: { id: string; decision: string }) => [r.id, r.decision])).toEqual([['per-phone', 'denied'], ['per-email', 'admitted']]);
    expect(explanation.rules[0].windows).toEqual([
      { count: 5, window: '1h', used: 5, full: true, resetSeconds: 600 },
      { count: 30, window: '1d', used: 5, full: false, resetSeconds: 83_400 },
    ]);
    const state = await service.stores.callLog.read({ caller: hash('+14155551212'), api: 'per-phone' }, now - 86_400_000, 30, { timeoutMs: 1_000 });
    expect(state.version).toBe(1);
    expect(state.callsMs).toHaveLength(5);

    const answer = await serviceAnswer(service, 'POST', '/v1/signup', BODY);
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe(explanation.outcome.headers['Retry-After']);
    expect(answer.headers.get('ratelimit')).toBe(explanation.outcome.headers.RateLimit);
  });

  it('predicts the RateLimit fields of an admitted request as the service then sends them', async () => {
    const { service, clock } = memoryService([SIGNUP]);
    await seed(service, 'per-email', 'alice@example.com', [clock() - 5 * MINUTE]);
    const run = await explain(service, '--method', 'post', '--path', '/v1/signup', '--body', BODY, '--json');
    const { outcome } = JSON.parse(run.out.join('\n'));
    expect(outcome.kind).toBe('admitted');
    const answer = await serviceAnswer(service, 'POST', '/v1/signup', BODY);
    expect(answer.status).toBe(201);
    expect(answer.headers.get('ratelimit')).toBe(outcome.headers.RateLimit);
    expect(answer.headers.get('ratelimit-policy')).toBe(outcome.headers['RateLimit-Policy']);
  });

  it.each([
    ['a body that is not JSON', '{"phone": ', /^result: refused 400 INVALID_REQUEST \(body\): Request body is not valid JSON: /],
    ['an unknown field', '{"phone": "+14155551212", "age": 3}', /^result: refused 400 INVALID_REQUEST \(age\): unknown field "age"$/],
    ['a repeated key', '{"phone": "+14155551212", "phone": "+14155550000"}', /^result: refused 400 INVALID_REQUEST \(phone\): Request body refused: key "phone" appears twice$/],
  ])('says the edge refuses %s before any rule (400)', async (_, body, result) => {
    const { service } = memoryService([SIGNUP]);
    const run = await explain(service, '--method', 'POST', '--path', '/v1/signup', '--body', body);
    expect(run.code).toBe(0);
    expect(resultLine(run.out)).toMatch(result);
    expect(run.out.filter((line) => line.startsWith('rule '))).toEqual([
      'rule per-phone (test-0.json): not reached: the request is refused before this rule decides',
      'rule per-email (test-0.json): not reached: the request is refused before this rule decides',
    ]);
  });

  it('says a request without its required body is refused', async () => {
    const { service } = memoryService([SIGNUP]);
    expect(resultLine((await explain(service, '--method', 'POST', '--path', '/v1/signup')).out)).toBe('result: refused 400 INVALID_REQUEST (body): Request body is required');
  });

  it('says a malformed key is refused (400), naming the rule that refuses it', async () => {
    const { service } = memoryService([SIGNUP]);
    const run = await explain(service, '--method', 'POST', '--path', '/v1/signup', '--body', '{"phone": "12"}');
    expect(run.out.slice(1, -1)).toEqual([
      'rule per-phone (test-0.json): refuses the request: its key is malformed or required',
      '  key body.phone: "12" -> refused: phone is not a valid phone number',
      'rule per-email (test-0.json): skipped: the request carries no key for it',
      '  key body.email: missing',
      'result: refused 400 INVALID_REQUEST (phone): phone is not a valid phone number',
    ]);
  });

  it.each([
    ['POST', '/V1/Signup', 'result: refused 404 NOT_FOUND: no route of this service matches', 404],
    ['POST', '/v1/signup/', 'result: refused 404 NOT_FOUND: no route of this service matches', 404],
    ['POST', '/v1/%73ignup', 'result: refused 404 NOT_FOUND: no route of this service matches', 404],
    ['GET', '/v1/signup', 'result: refused 405 METHOD_NOT_ALLOWED: GET is not served on this path', 405],
  ])('resolves %s %s as the service routes it', async (method, path, result, status) => {
    const { service } = memoryService([SIGNUP]);
    const run = await explain(service, '--method', method, '--path', path, '--body', BODY);
    expect(run.out[0]).toBe(`route: none for ${method} ${path}`);
    expect(resultLine(run.out)).toBe(result);
    expect((await serviceAnswer(service, method, path, method === 'GET' ? undefined : BODY)).status).toBe(status);
  });

  it('reads ip keys from --ip and X-Forwarded-For as TRUST_PROXY_HOPS says, IPv6 by its /64', async () => {
    const byIp = { rules: [{ id: 'per-ip', match: { path: '/v1/signup' }, key: 'ip', limits: [{ count: 10, window: '1h' }] }] };
    const direct = memoryService([byIp]).service;
    const proxied = memoryService([byIp], { TRUST_PROXY_HOPS: '1' }).service;
    const keyLine = async (service: CliService, ...args: string[]) =>
      (await explain(service, '--method', 'POST', '--path', '/v1/signup', '--body', '{"phone": "+14155551212"}', ...args)).out.find((line) => line.startsWith('  key '));
    expect(await keyLine(direct, '--ip', '10.0.0.1', '--header', 'X-Forwarded-For: 203.0.113.7')).toBe('  key ip: "10.0.0.1" -> "10.0.0.1"');
    expect(await keyLine(proxied, '--ip', '10.0.0.1', '--header', 'X-Forwarded-For: 203.0.113.7')).toBe('  key ip: "203.0.113.7" -> "203.0.113.7"');
    expect(await keyLine(direct, '--ip', '2001:db8::1')).toBe('  key ip: "2001:db8::/64" -> "2001:db8::/64"');
    expect(await keyLine(direct)).toBe('  key ip: missing');
  });

  it('shows each part of a compound key from route parameters and the query, and the partition of the whole', async () => {
    const compound = { rules: [{ id: 'lists-per-destination', match: { method: 'GET', path: '/v1/accounts/:accountId/calls' }, key: ['param.accountId', { from: 'query.to', normalize: 'e164' }], limits: [{ count: 60, window: '1m' }] }] };
    const { service } = memoryService([compound]);
    const run = await explain(service, '--path', '/v1/accounts/AC0123/calls?to=415-555-1212', '--query', 'status=completed');
    expect(run.out.slice(0, 7)).toEqual([
      'route: GET /v1/accounts/:accountId/calls (listCalls; auth account; accountId="AC0123")',
      'rule lists-per-destination (test-0.json): counted: decides on the request',
      '  key param.accountId: "AC0123" -> "AC0123"',
      '  key query.to: "415-555-1212" -> "+14155551212"',
      `  partition: ${hash(JSON.stringify(['AC0123', '+14155551212']))}`,
      '  window 1m: 0 of 60 used (60 left)',
      '  decision: admitted',
    ]);
    expect(run.out).toContain('note: the route needs account credentials, checked before the throttle and not here; a failed authentication is counted by the rules of /v1/auth/failures instead');
    expect(resultLine((await explain(service, '--path', '/v1/accounts/AC0123/calls', '--query', 'status=lost')).out)).toMatch(/^result: refused 400 INVALID_REQUEST \(query\.status\): /);
  });

  it('says a key on a deny list is refused uncounted, one on an allow list skips the rule, and a shadow rule only reports', async () => {
    const listed = { ...SIGNUP, rules: [{ ...SIGNUP.rules[0], deny: ['+1900*'], allow: ['+14155550100'] }, { id: 'shadow-per-phone', mode: 'shadow', match: { method: 'POST', path: '/v1/signup' }, key: 'body.phone', normalize: 'e164', limits: [{ count: 1, window: '1h' }] }] };
    const { service, clock } = memoryService([listed]);
    const rulesOf = async (phone: string) => {
      const run = await explain(service, '--method', 'POST', '--path', '/v1/signup', '--body', JSON.stringify({ phone }), '--json');
      return JSON.parse(run.out.join('\n')) as { rules: Array<{ id: string; status: string; decision?: string }>; outcome: { kind: string; status?: number; headers?: Record<string, string> } };
    };
    const denied = await rulesOf('+1 900 555 0100');
    expect(denied.rules.map((r) => [r.id, r.status])).toEqual([['per-phone', 'listed'], ['shadow-per-phone', 'not-reached']]);
    expect(denied.outcome).toMatchObject({ kind: 'refused', status: 429 });

    expect((await rulesOf('+1 415 555 0100')).rules.map((r) => [r.id, r.status])).toEqual([['per-phone', 'allowed'], ['shadow-per-phone', 'shadow']]);

    await seed(service, 'shadow-per-phone', '+14155551212', [clock() - MINUTE]);
    const shadowed = await rulesOf('+14155551212');
    expect(shadowed.rules.map((r) => [r.id, r.status, r.decision])).toEqual([['per-phone', 'counted', 'admitted'], ['shadow-per-phone', 'shadow', 'denied']]);
    expect(shadowed.outcome.kind).toBe('admitted');
    expect(shadowed.outcome.headers?.['Throttle-Shadow']).toBe('shadow-per-phone');
  });

  it('shows both partitions while KEY_SECRET_PREVIOUS is set, and counts the calls of both', async () => {
    const previous = 'previous-key-secret-previous-key-secret-99';
    const { service, clock } = memoryService([SIGNUP], { KEY_SECRET_PREVIOUS: previous });
    await service.stores.callLog.appendMany({ caller: createKeyHasher(previous).hash('+14155551212'), api: 'per-phone' }, 0, [clock() - MINUTE], 86_460, { timeoutMs: 1_000 });
    const run = await explain(service, '--method', 'POST', '--path', '/v1/signup', '--body', BODY);
    expect(run.out.slice(3, 5)).toEqual([
      `  partition: ${hash('+14155551212')}, ${createKeyHasher(previous).hash('+14155551212')} (current secret, previous secret)`,
      '  window 1h: 1 of 5 used (4 left)',
    ]);
  });
});
