/** The device routes through the composed app: create, read, list page by page, delete (with its rate-limit document). */
import { describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { newSid } from '../../src/domains/shared/sids.js';
import { jsonOf, postJson } from '../support/test-app.js';
import { createAccount, requestJson, startVoiceApp, type TestAccount } from '../support/voice.js';

const RFC2822 = /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/;

async function setup() {
  const app = await startVoiceApp();
  const account = await createAccount(app.url);
  const devicesOf = (who: TestAccount) => `${app.url}/v1/accounts/${who.accountId}/devices`;
  const create = async (body: unknown, who: TestAccount = account) => {
    const response = await postJson(devicesOf(who), body, who.bearer);
    expect(response.status).toBe(201);
    return jsonOf(response);
  };
  return { app, account, base: devicesOf(account), devicesOf, create, clock: app.clock as ManualClock };
}

/** Every page of a listing, following nextPageToken. */
async function walk(url: string, headers: Record<string, string>): Promise<{ sids: string[]; pages: number }> {
  const sids: string[] = [];
  let pages = 0;
  let next: string | null = null;
  do {
    const response = await fetch(next === null ? url : `${url}&pageToken=${encodeURIComponent(next)}`, { headers });
    expect(response.status).toBe(200);
    const page = await jsonOf(response);
    sids.push(...page.devices.map((d: { sid: string }) => d.sid));
    next = page.nextPageToken;
    pages++;
  } while (next !== null);
  return { sids, pages };
}

describe('POST and GET /v1/accounts/:accountId/devices/:deviceId', () => {
  it('creates a device and reads it back with either credential form', async () => {
    const { base, account, create } = await setup();
    const created = await create({ name: 'Reception desk', sipUsername: 'user_7h3k2' });
    const uri = `/v1/accounts/${account.accountId}/devices/${created.sid}`;
    expect(created).toEqual({
      sid: expect.stringMatching(/^DV[0-9a-f]{32}$/), accountSid: account.accountId, name: 'Reception desk', sipUsername: 'user_7h3k2',
      dateCreated: expect.stringMatching(RFC2822), uri, rateLimitsUri: `${uri}/rate_limits`,
    });
    expect((await create({ name: 'No registrations' })).sipUsername).toBeNull();
    for (const headers of [account.bearer, account.basic]) expect(await jsonOf(await fetch(`${base}/${created.sid}`, { headers }))).toEqual(created);
  });

  it.each([
    [{}, 'name'],
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(129) }, 'name'],
    [{ name: 'a', sipUsername: 'has space' }, 'sipUsername'],
    [{ name: 'a', sipUsername: 'u'.repeat(65) }, 'sipUsername'],
    [{ name: 'a', realm: 'example.com' }, 'realm'],
  ])('refuses %j with 400 naming %s, and creates nothing', async (body, field) => {
    const { base, account } = await setup();
    const response = await postJson(base, body, account.bearer);
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({ code: 'INVALID_REQUEST', field });
    expect((await jsonOf(await fetch(base, { headers: account.bearer }))).devices).toEqual([]);
  });

  it('answers 404 for an unknown or malformed sid and for another account\'s device', async () => {
    const { app, account, base, create } = await setup();
    const other = await createAccount(app.url, 'other');
    const theirs = await create({ name: 'theirs' }, other);
    for (const sid of [newSid('DV', 0), 'DV123', 'nope', theirs.sid]) {
      const response = await fetch(`${base}/${sid}`, { headers: account.bearer });
      expect(response.status).toBe(404);
      expect((await jsonOf(response)).error.code).toBe('NOT_FOUND');
    }
  });
});

describe('GET /v1/accounts/:accountId/devices', () => {
  it('lists the account\'s devices oldest first, page by page, and no other account\'s', async () => {
    const { app, account, base, create, clock } = await setup();
    const other = await createAccount(app.url, 'other');
    await create({ name: 'not mine' }, other);
    const sids: string[] = [];
    for (let i = 0; i < 5; i++) {
      sids.push((await create({ name: `desk ${i}` })).sid);
      clock.advance(1_000);
    }
    expect(await walk(`${base}?pageSize=2`, account.bearer)).toEqual({ sids, pages: 3 });
    expect((await walk(`${base}?pageSize=1000`, account.bearer)).sids).toEqual(sids);
  });

  it('refuses a page token that was altered or issued to another account', async () => {
    const { app, account, base, devicesOf, create } = await setup();
    for (let i = 0; i < 3; i++) await create({ name: `desk ${i}` });
    const { nextPageToken } = await jsonOf(await fetch(`${base}?pageSize=1`, { headers: account.bearer }));
    expect(nextPageToken).toEqual(expect.any(String));
    const other = await createAccount(app.url, 'other');
    for (const [url, headers] of [
      [`${base}?pageSize=1&pageToken=${nextPageToken.replace(/^./, (c: string) => (c === 'e' ? 'f' : 'e'))}`, account.bearer],
      [`${devicesOf(other)}?pageSize=1&pageToken=${nextPageToken}`, other.bearer],
    ] as const) {
      const response = await fetch(url, { headers });
      expect(response.status).toBe(400);
      expect((await jsonOf(response)).error).toMatchObject({ code: 'INVALID_REQUEST', field: 'query.pageToken' });
    }
  });
});

describe('DELETE /v1/accounts/:accountId/devices/:deviceId', () => {
  it('answers 204, deletes the device and its rate-limit document, and 404 after', async () => {
    const { app, account, base, create } = await setup();
    const device = await create({ name: 'desk' });
    const kept = await create({ name: 'kept' });
    const document = { data: { per_second: { invites: 4 } } };
    for (const sid of [device.sid, kept.sid]) expect((await postJson(`${base}/${sid}/rate_limits`, document, account.bearer)).status).toBe(200);

    const deleted = await requestJson('DELETE', `${base}/${device.sid}`, undefined, account.bearer);
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    expect(await app.stores.rateLimits.get({ scope: 'device', accountSid: account.accountId, deviceSid: device.sid })).toBeUndefined();
    expect(await app.stores.rateLimits.get({ scope: 'device', accountSid: account.accountId, deviceSid: kept.sid })).toEqual(document.data);
    expect((await fetch(`${base}/${device.sid}`, { headers: account.bearer })).status).toBe(404);
    expect((await fetch(`${base}/${device.sid}/rate_limits`, { headers: account.bearer })).status).toBe(404);
    expect((await requestJson('DELETE', `${base}/${device.sid}`, undefined, account.bearer)).status).toBe(404);
    expect((await jsonOf(await fetch(base, { headers: account.bearer }))).devices.map((d: { sid: string }) => d.sid)).toEqual([kept.sid]);
  });

  it('cannot delete another account\'s device', async () => {
    const { app, account, base, create } = await setup();
    const other = await createAccount(app.url, 'other');
    const theirs = await create({ name: 'theirs' }, other);
    expect((await requestJson('DELETE', `${base}/${theirs.sid}`, undefined, account.bearer)).status).toBe(404);
    expect((await fetch(`${app.url}/v1/accounts/${other.accountId}/devices/${theirs.sid}`, { headers: other.bearer })).status).toBe(200);
  });
});

describe('device routes and credentials', () => {
  it('answer 401 without a valid token and 403 for another account\'s path', async () => {
    const { app, base, create } = await setup();
    const device = await create({ name: 'desk' });
    const other = await createAccount(app.url, 'other');
    const calls: Array<[string, string, unknown]> = [['POST', base, { name: 'x' }], ['GET', base, undefined], ['GET', `${base}/${device.sid}`, undefined], ['DELETE', `${base}/${device.sid}`, undefined]];
    for (const [method, url, body] of calls) {
      expect((await requestJson(method, url, body)).status).toBe(401);
      expect((await requestJson(method, url, body, { authorization: 'Bearer not-a-token' })).status).toBe(401);
      const forbidden = await requestJson(method, url, body, other.bearer);
      expect(forbidden.status).toBe(403);
      expect((await jsonOf(forbidden)).error.code).toBe('FORBIDDEN');
    }
  });
});
