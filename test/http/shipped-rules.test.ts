/**
 * Every shipped rule guards a route the service serves, keys on what that route's requests carry,
 * and refuses with 429 REQUEST_LIMIT_REACHED past its limit. For each rule the partition of the
 * request's key is first filled to the rule's own count through the engine (no HTTP round trips
 * for 1000-call windows; a concurrent rule's slots through the slot store), then one real request
 * must be refused with the rule's id and message.
 */
import { describe, expect, it } from 'vitest';
import { loadRuleFiles } from '../../src/rules/load-rule-files.js';
import { keyFromValues } from '../../src/keys/extract-key.js';
import type { Rule } from '../../src/rules/rule.js';
import { appRoutes } from '../../src/http/create-app.js';
import { AUTH_FAILURE_PATH } from '../../src/http/authenticate.js';
import { jsonOf, TEST_HASHER, type TestApp } from '../support/test-app.js';
import { ADMIN_TOKEN, createAccount, requestJson, startVoiceApp, type TestAccount } from '../support/voice.js';

const shipped = await loadRuleFiles('rules');

interface World {
  app: TestApp;
  account: TestAccount;
  callSid: string;
  recordingSid: string;
  transcriptionSid: string;
  conferenceSid: string;
  participantSid: string;
}

async function world(): Promise<World> {
  const app = await startVoiceApp({ rules: shipped.rules });
  const account = await createAccount(app.url);
  const base = `${app.url}/v1/accounts/${account.accountId}`;
  const post = async (path: string, body: unknown) => {
    const response = await requestJson('POST', `${base}${path}`, body, account.bearer);
    expect(response.status, `POST ${path}`).toBe(201);
    return (await jsonOf(response)).sid as string;
  };
  const callSid = await post('/calls', { to: '+14155550100', from: '+14155550101' });
  const conferenceSid = await post('/conferences', { friendlyName: 'room' });
  return {
    app,
    account,
    callSid,
    recordingSid: await post(`/calls/${callSid}/recordings`, {}),
    transcriptionSid: await post(`/calls/${callSid}/transcriptions`, {}),
    conferenceSid,
    participantSid: await post(`/conferences/${conferenceSid}/participants`, { from: '+14155550102' }),
  };
}

/** The request a rule guards: a concrete URL for its pattern, a body its route accepts, and the raw key it carries. */
function requestFor(rule: Rule, w: World): { method: string; url: string; body: unknown; headers: Record<string, string>; raw: string } {
  const method = rule.match.methods === '*' ? 'GET' : rule.match.methods[0]!;
  const path = rule.match.path === AUTH_FAILURE_PATH ? '/v1/heartbeat' : rule.match.path
    .replace(':accountId', w.account.accountId)
    .replace(':sid', rule.match.path.includes('/conferences/') ? w.conferenceSid : w.callSid)
    .replace(':rid', w.recordingSid)
    .replace(':tid', w.transcriptionSid)
    .replace(':participantId', w.participantSid);
  const bodies: Record<string, unknown> = {
    'POST /v1/signup': { phone: '+14155550199' },
    'POST /v1/accounts': { friendlyName: 'another' },
    'POST /v1/accounts/:accountId/calls': { to: '+14155550100', from: '+14155550101' },
    'POST /v1/accounts/:accountId/conferences': { friendlyName: 'room 2' },
    'PATCH /v1/accounts/:accountId/conferences/:sid': { announceUrl: 'https://example.com/welcome.mp3' },
    'POST /v1/accounts/:accountId/conferences/:sid/participants': { from: '+14155550103' },
    'POST /v1/accounts/:accountId/calls/:sid': { status: 'ringing' },
    'POST /v1/accounts/:accountId/calls/:sid/recordings': {},
    'POST /v1/accounts/:accountId/calls/:sid/transcriptions': {},
    'POST /v1/accounts/:accountId/calls/:sid/recordings/:rid': { status: 'stopped' },
    'POST /v1/accounts/:accountId/calls/:sid/transcriptions/:tid': { status: 'stopped' },
  };
  const part = rule.key[0]!;
  const raw = part.source === 'ip' ? '127.0.0.1'
    : part.source === 'token' ? w.account.authToken
    : part.source === 'param' ? (part.name === 'accountId' ? w.account.accountId : w.conferenceSid)
    : part.name === 'email' ? 'a@example.com'
    : part.name === 'phone' ? '+14155550199' : '+14155550100';
  const headers = rule.match.path === AUTH_FAILURE_PATH ? { authorization: 'Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }
    : rule.match.path === '/v1/accounts' ? { authorization: `Bearer ${ADMIN_TOKEN}` }
    : rule.match.path === '/v1/signup' ? {} : w.account.bearer;
  const body = part.name === 'email' ? { email: raw } : bodies[`${method} ${rule.match.path}`];
  return { method, url: `${w.app.url}${path}`, body, headers, raw };
}

describe('the shipped rules', () => {
  it('each name a route the service serves (or the failed-authentication pseudo-route)', async () => {
    const served = new Set(appRoutes((await world()).app.composed.routes, async () => ({ status: 'ok', store: 'memory' }), true).map((r) => r.path));
    expect(shipped.rules.filter((r) => r.match.path !== AUTH_FAILURE_PATH && !served.has(r.match.path)).map((r) => r.id)).toEqual([]);
  });

  it.each(shipped.rules.map((rule) => [rule.id, rule] as const))('%s answers 429 REQUEST_LIMIT_REACHED past its limit', async (_, rule) => {
    const w = await world();
    const request = requestFor(rule, w);
    const key = keyFromValues(rule, [request.raw], { defaultPhoneRegion: 'US' });
    if (key.kind !== 'key') throw new Error(`no key for ${rule.id}`);
    const target = { rule, partition: { caller: TEST_HASHER.hash(key.value), api: rule.id } };
    if (rule.kind === 'concurrent') {
      // Fill the slots with leases of calls or participants that never end.
      const { max, leaseMs } = rule.concurrent!;
      for (let i = 0; i < max; i++) await w.app.stores.slots.acquire(target.partition, `lease-${i}`, max, leaseMs, w.app.clock(), { timeoutMs: 1_000 });
      expect(await w.app.stores.slots.held(target.partition, w.app.clock(), { timeoutMs: 1_000 })).toBe(max);
    } else {
      const count = Math.min(...rule.limits.map((l) => l.count));
      // Fill the window (the world's own requests may already have used some of it).
      for (let i = 0; i < count; i++) await w.app.throttle.check([target]);
      expect((await w.app.throttle.check([target])).admitted).toBe(false);
    }
    const response = await requestJson(request.method, request.url, request.body, request.headers);
    expect(response.status).toBe(rule.error.status);
    expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect((await jsonOf(response)).error).toMatchObject({ code: 'REQUEST_LIMIT_REACHED', rule: rule.id, message: rule.error.message });
  });
});
