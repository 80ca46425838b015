import { describe, expect, it } from 'vitest';
import { parseRules } from '../../src/rules/parse-rules.js';
import { jsonOf, postJson } from '../support/test-app.js';
import { ADMIN_TOKEN, createAccount, startVoiceApp } from '../support/voice.js';

const failureRule = (count: number) =>
  parseRules('test', { rules: [{ id: 'auth-failures', match: { method: '*', path: '/v1/auth/failures' }, key: 'ip', limits: [{ count, window: '1m' }] }] });

describe('POST /v1/accounts', () => {
  it('creates an account and shows its token once', async () => {
    const app = await startVoiceApp();
    const response = await postJson(`${app.url}/v1/accounts`, { friendlyName: 'Acme' }, { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(response.status).toBe(201);
    const body = await jsonOf(response);
    expect(body).toEqual({ accountId: expect.stringMatching(/^AC[0-9a-f]{32}$/), authToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), friendlyName: 'Acme', status: 'active', dateCreated: expect.stringMatching(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/) });
    const stored = await app.stores.accounts.get(body.accountId);
    expect(stored?.tokenHash.toString('hex')).not.toContain(Buffer.from(body.authToken).toString('hex'));
    const read = await fetch(`${app.url}/v1/accounts/${body.accountId}`, { headers: { authorization: `Bearer ${body.authToken}` } });
    expect(await jsonOf(read)).toEqual({ accountId: body.accountId, friendlyName: 'Acme', status: 'active', dateCreated: body.dateCreated });
  });

  it('takes no body at all', async () => {
    const app = await startVoiceApp();
    const response = await fetch(`${app.url}/v1/accounts`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(response.status).toBe(201);
    expect((await jsonOf(response)).friendlyName).toBeNull();
  });

  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer not-the-admin-token-at-all-000' }],
    ['a token of another length', { authorization: `Bearer ${ADMIN_TOKEN}x` }],
    ['Basic credentials', { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` }],
  ])('refuses %s with 401 UNAUTHORIZED', async (_, headers) => {
    const app = await startVoiceApp();
    const response = await postJson(`${app.url}/v1/accounts`, {}, headers as Record<string, string>);
    expect(response.status).toBe(401);
    expect((await jsonOf(response)).error.code).toBe('UNAUTHORIZED');
  });

  it('is not mounted while ADMIN_TOKEN is unset', async () => {
    const app = await startVoiceApp({ adminToken: undefined });
    expect((await postJson(`${app.url}/v1/accounts`, {}, { authorization: `Bearer ${ADMIN_TOKEN}` })).status).toBe(404);
  });

  it('refuses unknown fields with 400 naming them, and creates nothing', async () => {
    const app = await startVoiceApp();
    const response = await postJson(`${app.url}/v1/accounts`, { friendlyName: 'x', plan: 'gold' }, { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({ code: 'INVALID_REQUEST', field: 'plan' });
  });
});

describe('account authentication', () => {
  it('GET /v1/heartbeat answers 200 with Bearer and with Basic credentials', async () => {
    const app = await startVoiceApp();
    const account = await createAccount(app.url);
    for (const headers of [account.bearer, account.basic]) {
      const response = await fetch(`${app.url}/v1/heartbeat`, { headers });
      expect(response.status).toBe(200);
      expect(await jsonOf(response)).toMatchObject({ status: 'ok', accountId: account.accountId });
    }
  });

  it.each([
    ['no header', undefined],
    ['an unknown token', 'Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['a scheme we do not take', 'Digest username="x"'],
    ['Basic without a colon', `Basic ${Buffer.from('nocolon').toString('base64')}`],
  ])('answers 401 UNAUTHENTICATED to %s', async (_, authorization) => {
    const app = await startVoiceApp();
    const response = await fetch(`${app.url}/v1/heartbeat`, { headers: authorization ? { authorization } : {} });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Basic');
    expect((await jsonOf(response)).error.code).toBe('UNAUTHENTICATED');
  });

  it('refuses Basic credentials that pair one account id with another account\'s token', async () => {
    const app = await startVoiceApp();
    const [a, b] = [await createAccount(app.url), await createAccount(app.url)];
    const mixed = `Basic ${Buffer.from(`${a.accountId}:${b.authToken}`).toString('base64')}`;
    expect((await fetch(`${app.url}/v1/heartbeat`, { headers: { authorization: mixed } })).status).toBe(401);
  });

  it('answers 403 FORBIDDEN when the path names another account, with either credential form', async () => {
    const app = await startVoiceApp();
    const [a, b] = [await createAccount(app.url), await createAccount(app.url)];
    for (const headers of [a.bearer, a.basic]) {
      const response = await fetch(`${app.url}/v1/accounts/${b.accountId}`, { headers });
      expect(response.status).toBe(403);
      const body = await jsonOf(response);
      expect(body.error.code).toBe('FORBIDDEN');
      expect(JSON.stringify(body)).not.toContain(b.accountId.slice(2));
    }
  });

  it('throttles failed authentications per address, and then refuses even a good token from it without checking it', async () => {
    const app = await startVoiceApp({ rules: failureRule(3) });
    const account = await createAccount(app.url);
    const bad = { authorization: 'Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await fetch(`${app.url}/v1/heartbeat`, { headers: bad })).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const blocked = await fetch(`${app.url}/v1/heartbeat`, { headers: account.bearer });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await jsonOf(blocked)).error).toMatchObject({ code: 'REQUEST_LIMIT_REACHED', rule: 'auth-failures' });
  });

  it('counts only failures: good tokens never use the failed-authentication quota', async () => {
    const app = await startVoiceApp({ rules: failureRule(2) });
    const account = await createAccount(app.url);
    for (let i = 0; i < 5; i++) expect((await fetch(`${app.url}/v1/heartbeat`, { headers: account.basic })).status).toBe(200);
  });
});
