import { describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { newSid } from '../../src/domains/shared/sids.js';
import { jsonOf, postJson } from '../support/test-app.js';
import { createAccount, requestJson, startVoiceApp, type TestAccount } from '../support/voice.js';

const RFC2822 = /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/;
const DAY = 86_400_000;

async function setup() {
  const app = await startVoiceApp();
  const account = await createAccount(app.url);
  const base = `${app.url}/v1/accounts/${account.accountId}/conferences`;
  const create = async (body: unknown, who: TestAccount = account) => {
    const response = await postJson(`${app.url}/v1/accounts/${who.accountId}/conferences`, body, who.bearer);
    expect(response.status).toBe(201);
    return jsonOf(response);
  };
  const get = async (url: string, headers = account.bearer) => fetch(url, { headers });
  return { app, account, base, create, get, clock: app.clock as ManualClock };
}

/** Every page of a listing (following nextPageToken), and the pages' sizes. */
async function walk(url: string, headers: Record<string, string>) {
  const sids: string[] = [];
  const sizes: number[] = [];
  let next: string | null = null;
  do {
    const response = await fetch(next === null ? url : `${url}&pageToken=${encodeURIComponent(next)}`, { headers });
    expect(response.status).toBe(200);
    const page = await jsonOf(response);
    sids.push(...page.conferences.map((c: { sid: string }) => c.sid));
    sizes.push(page.conferences.length);
    next = page.nextPageToken;
  } while (next !== null);
  return { sids, sizes };
}

describe('POST and GET /v1/accounts/:accountId/conferences/:sid', () => {
  it('creates a conference in progress and reads it back with either credential form', async () => {
    const { base, account, create, get } = await setup();
    const created = await create({ friendlyName: 'standup', announceUrl: 'https://example.com/welcome.mp3' });
    expect(created).toEqual({
      sid: expect.stringMatching(/^CF[0-9a-f]{32}$/), account_id: account.accountId, friendly_name: 'standup', status: 'in-progress',
      announce_url: 'https://example.com/welcome.mp3', date_created: expect.stringMatching(RFC2822), date_updated: created.date_created,
      uri: `/v1/accounts/${account.accountId}/conferences/${created.sid}`, subresource_uris: { participants: `/v1/accounts/${account.accountId}/conferences/${created.sid}/participants` },
    });
    expect((await create({ friendlyName: 'no announcement' })).announce_url).toBeNull();
    for (const headers of [account.bearer, account.basic]) expect(await jsonOf(await get(`${base}/${created.sid}`, headers))).toEqual(created);
  });

  it.each([
    [{}, 'friendlyName'],
    [{ friendlyName: '' }, 'friendlyName'],
    [{ friendlyName: 'x'.repeat(129) }, 'friendlyName'],
    [{ friendlyName: 'a', announceUrl: 'ftp://example.com/a.mp3' }, 'announceUrl'],
    [{ friendlyName: 'a', announceUrl: 'not a url' }, 'announceUrl'],
    [{ friendlyName: 'a', record: true }, 'record'],
  ])('refuses %j with 400 naming %s, and creates nothing', async (body, field) => {
    const { base, account } = await setup();
    const response = await postJson(base, body, account.bearer);
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({ code: 'INVALID_REQUEST', field });
    expect((await jsonOf(await fetch(`${base}?pageSize=10`, { headers: account.bearer }))).conferences).toEqual([]);
  });

  it('answers 404 for an unknown or malformed sid', async () => {
    const { base, get } = await setup();
    for (const sid of [newSid('CF', 0), 'CF123', 'nope']) {
      const response = await get(`${base}/${sid}`);
      expect(response.status).toBe(404);
      expect((await jsonOf(response)).error.code).toBe('NOT_FOUND');
    }
  });
});

describe('PATCH /v1/accounts/:accountId/conferences/:sid', () => {
  it('sets the announcement, ends the conference once, and then refuses a new announcement with 409', async () => {
    const { base, account, create, clock } = await setup();
    const { sid } = await create({ friendlyName: 'room' });
    clock.advance(2_000);
    const announced = await requestJson('PATCH', `${base}/${sid}`, { announceUrl: 'http://example.com/b.mp3' }, account.basic);
    expect(announced.status).toBe(200);
    expect(await jsonOf(announced)).toMatchObject({ announce_url: 'http://example.com/b.mp3', status: 'in-progress' });
    clock.advance(2_000);
    const ended = await jsonOf(await requestJson('PATCH', `${base}/${sid}`, { status: 'completed' }, account.bearer));
    expect(ended).toMatchObject({ status: 'completed', announce_url: 'http://example.com/b.mp3' });
    clock.advance(2_000);
    const again = await requestJson('PATCH', `${base}/${sid}`, { status: 'completed' }, account.bearer);
    expect(again.status).toBe(200);
    expect(await jsonOf(again)).toEqual(ended);
    const late = await requestJson('PATCH', `${base}/${sid}`, { announceUrl: 'https://example.com/c.mp3' }, account.bearer);
    expect(late.status).toBe(409);
    expect((await jsonOf(late)).error.code).toBe('CONFERENCE_ENDED');
    expect(await jsonOf(await fetch(`${base}/${sid}`, { headers: account.bearer }))).toEqual(ended);
  });

  it.each([
    [{}, 'announceUrl'],
    [{ announceUrl: 'https://example.com/a.mp3', status: 'completed' }, 'status'],
    [{ status: 'ended' }, 'status'],
    [{ announceUrl: 'javascript:alert(1)' }, 'announceUrl'],
    [{ status: 'completed', friendlyName: 'x' }, 'friendlyName'],
  ])('refuses %j with 400 naming %s, and changes nothing', async (body, field) => {
    const { base, account, create } = await setup();
    const created = await create({ friendlyName: 'room' });
    const response = await requestJson('PATCH', `${base}/${created.sid}`, body, account.bearer);
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({ code: 'INVALID_REQUEST', field });
    expect(await jsonOf(await fetch(`${base}/${created.sid}`, { headers: account.bearer }))).toEqual(created);
  });

  it('answers 404 for an unknown sid', async () => {
    const { base, account } = await setup();
    expect((await requestJson('PATCH', `${base}/${newSid('CF', 0)}`, { status: 'completed' }, account.bearer)).status).toBe(404);
  });
});

describe('GET /v1/accounts/:accountId/conferences', () => {
  it('lists by creation date newest first, the last 30 days by default, page by page', async () => {
    const { base, account, create, clock } = await setup();
    const t0 = clock();
    const old = await create({ friendlyName: 'old' });
    clock.advance(40 * DAY);
    const sids: string[] = [];
    for (let i = 0; i < 5; i++) {
      sids.unshift((await create({ friendlyName: `room-${i % 2}` })).sid);
      clock.advance(DAY / 3);
    }
    const { sids: listed, sizes } = await walk(`${base}?pageSize=2`, account.bearer);
    expect(listed).toEqual(sids);
    expect(sizes.every((n) => n <= 2)).toBe(true);
    const start = new Date(clock() - 50 * DAY).toISOString().slice(0, 10);
    expect((await walk(`${base}?pageSize=3&startDate=${start}`, account.basic)).sids).toEqual([...sids, old.sid]);
    const [from, to] = [new Date(t0).toISOString(), new Date(t0 + 39 * DAY).toISOString()];
    expect((await walk(`${base}?pageSize=1&startDate=${encodeURIComponent(from)}&endDate=${encodeURIComponent(to)}`, account.bearer)).sids).toEqual([old.sid]);
  });

  it('lists one room, with a status filter, page by page', async () => {
    const { base, account, create, clock } = await setup();
    const room: string[] = [];
    for (let i = 0; i < 4; i++) {
      room.unshift((await create({ friendlyName: 'daily sync' })).sid);
      await create({ friendlyName: 'other' });
      clock.advance(1_000);
    }
    await requestJson('PATCH', `${base}/${room[1]}`, { status: 'completed' }, account.bearer);
    expect((await walk(`${base}?friendlyName=daily%20sync&pageSize=3`, account.bearer)).sids).toEqual(room);
    expect((await walk(`${base}?friendlyName=daily%20sync&status=in-progress&pageSize=1`, account.bearer)).sids).toEqual([room[0], room[2], room[3]]);
    expect((await walk(`${base}?status=completed`, account.bearer)).sids).toEqual([room[1]]);
  });

  it.each([
    ['startDate=2026-01-01&endDate=2027-01-03', 'query.endDate'],
    ['startDate=2026-02-01&endDate=2026-01-01', 'query.endDate'],
    ['startDate=yesterday', 'query.startDate'],
    ['pageSize=0', 'query.pageSize'],
    ['pageSize=1001', 'query.pageSize'],
    ['status=ended', 'query.status'],
    ['friendlyName=', 'query.friendlyName'],
    ['room=a', 'query.room'],
    ['pageToken=abc.def', 'query.pageToken'],
  ])('refuses ?%s with 400 naming %s', async (query, field) => {
    const { base, account } = await setup();
    const response = await fetch(`${base}?${query}`, { headers: account.bearer });
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({ code: 'INVALID_REQUEST', field });
  });

  it('refuses a tampered page token, or one issued for other filters or another account', async () => {
    const { app, base, account, create } = await setup();
    const other = await createAccount(app.url);
    for (let i = 0; i < 3; i++) await create({ friendlyName: 'room' });
    await create({ friendlyName: 'room' }, other);
    const token: string = (await jsonOf(await fetch(`${base}?pageSize=1&friendlyName=room`, { headers: account.bearer }))).nextPageToken;
    const [payload, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ range: [0, 1], at: { p: '' } })).toString('base64url');
    for (const [url, headers] of [
      [`${base}?pageSize=1&friendlyName=room&pageToken=${forged}.${mac}`, account.bearer],
      [`${base}?pageSize=1&friendlyName=room&pageToken=${payload}.${mac}x`, account.bearer],
      [`${base}?pageSize=1&friendlyName=other&pageToken=${token}`, account.bearer],
      [`${app.url}/v1/accounts/${other.accountId}/conferences?pageSize=1&friendlyName=room&pageToken=${token}`, other.bearer],
    ] as const) {
      const response = await fetch(url, { headers });
      expect(response.status).toBe(400);
      expect((await jsonOf(response)).error).toMatchObject({ code: 'INVALID_REQUEST', field: 'query.pageToken' });
    }
  });
});
