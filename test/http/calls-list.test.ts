import { describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { jsonOf, postJson } from '../support/test-app.js';
import { createAccount, requestJson, startVoiceApp, type TestAccount } from '../support/voice.js';

const DAY = 86_400_000;
const callsUrl = (base: string, account: TestAccount, query = '') => `${base}/v1/accounts/${account.accountId}/calls${query}`;

/** An account with calls placed one second apart (oldest first); returns their sids newest first. */
async function seeded(numbers: Array<[to: string, from: string]>) {
  const app = await startVoiceApp();
  const a = await createAccount(app.url);
  const clock = app.clock as ManualClock;
  const sids: string[] = [];
  for (const [to, from] of numbers) {
    clock.advance(1_000);
    const response = await postJson(callsUrl(app.url, a), { to, from }, a.bearer);
    sids.unshift((await jsonOf(response)).sid);
  }
  return { app, a, clock, sids };
}

const sidsOf = async (response: Response): Promise<string[]> => (await jsonOf(response)).calls.map((c: { sid: string }) => c.sid);

describe('GET /v1/accounts/:accountId/calls', () => {
  it('lists the account\'s calls of the last 30 days, newest first', async () => {
    const { app, a, clock, sids } = await seeded([['+14155550100', '+14155550199'], ['+14155550101', '+14155550199']]);
    clock.advance(-40 * DAY);
    await postJson(callsUrl(app.url, a), { to: '+14155550102', from: '+14155550199' }, a.bearer);
    clock.advance(40 * DAY);
    const response = await fetch(callsUrl(app.url, a), { headers: a.basic });
    expect(response.status).toBe(200);
    const body = await jsonOf(response);
    expect(body.nextPageToken).toBeNull();
    expect(body.calls.map((c: { sid: string }) => c.sid)).toEqual(sids);
    expect(body.calls[0]).toMatchObject({ to: '+14155550101', status: 'initiated' });
  });

  it('filters by status, by from and by to (any spelling of the number)', async () => {
    const { app, a, sids } = await seeded([['+14155550100', '+14155550199'], ['+14155550101', '+14155550198'], ['+14155550100', '+14155550198']]);
    await requestJson('POST', callsUrl(app.url, a, `/${sids[1]}`), { status: 'end' }, a.bearer);
    expect(await sidsOf(await fetch(callsUrl(app.url, a, '?status=completed'), { headers: a.bearer }))).toEqual([sids[1]]);
    expect(await sidsOf(await fetch(callsUrl(app.url, a, '?status=initiated'), { headers: a.bearer }))).toEqual([sids[0], sids[2]]);
    expect(await sidsOf(await fetch(callsUrl(app.url, a, '?to=%2B14155550100'), { headers: a.bearer }))).toEqual([sids[0], sids[2]]);
    expect(await sidsOf(await fetch(callsUrl(app.url, a, `?from=${encodeURIComponent('(415) 555-0198')}&to=4155550100`), { headers: a.bearer }))).toEqual([sids[0]]);
  });

  it('takes a date range', async () => {
    const { app, a, clock, sids } = await seeded([['+14155550100', '+14155550199']]);
    clock.advance(-100 * DAY);
    const old = (await jsonOf(await postJson(callsUrl(app.url, a), { to: '+14155550100', from: '+14155550199' }, a.bearer))).sid;
    const day = new Date(clock()).toISOString().slice(0, 10);
    clock.advance(100 * DAY);
    expect(await sidsOf(await fetch(callsUrl(app.url, a, `?startDate=${day}&endDate=${day}`), { headers: a.bearer }))).toEqual([old]);
    const since = new Date(clock() - 200 * DAY).toISOString();
    expect(await sidsOf(await fetch(callsUrl(app.url, a, `?startDate=${since}`), { headers: a.bearer }))).toEqual([sids[0], old]);
  });

  it('pages with nextPageToken, which is bound to the filters', async () => {
    const { app, a, sids } = await seeded(Array.from({ length: 5 }, (_, i) => [`+1415555010${i}`, '+14155550199'] as [string, string]));
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const response = await fetch(callsUrl(app.url, a, `?pageSize=2${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`), { headers: a.bearer });
      const body = await jsonOf(response);
      expect(body.calls.length).toBeLessThanOrEqual(2);
      seen.push(...body.calls.map((c: { sid: string }) => c.sid));
      token = body.nextPageToken;
      pages++;
    } while (token !== null);
    expect(seen).toEqual(sids);
    expect(pages).toBe(3);

    const first = await jsonOf(await fetch(callsUrl(app.url, a, '?pageSize=2'), { headers: a.bearer }));
    const replayed = await fetch(callsUrl(app.url, a, `?pageSize=2&status=completed&pageToken=${encodeURIComponent(first.nextPageToken)}`), { headers: a.bearer });
    expect(replayed.status).toBe(400);
    expect((await jsonOf(replayed)).error.field).toBe('query.pageToken');
    const b = await createAccount(app.url);
    const foreign = await fetch(callsUrl(app.url, b, `?pageSize=2&pageToken=${encodeURIComponent(first.nextPageToken)}`), { headers: b.bearer });
    expect(foreign.status).toBe(400);
  });

  it.each([
    ['?pageSize=0', 'query.pageSize'],
    ['?pageSize=1001', 'query.pageSize'],
    ['?pageSize=ten', 'query.pageSize'],
    ['?status=busy', 'query.status'],
    ['?from=12', 'query.from'],
    ['?to=not-a-number', 'query.to'],
    ['?startDate=yesterday', 'query.startDate'],
    ['?startDate=2026-01-01&endDate=2025-01-01', 'query.endDate'],
    ['?startDate=2024-01-01&endDate=2025-12-31', 'query.endDate'],
    ['?pageToken=forged.token', 'query.pageToken'],
    ['?stauts=completed', 'query.stauts'],
  ])('refuses %s with 400 naming %s', async (query, field) => {
    const { app, a } = await seeded([]);
    const response = await fetch(callsUrl(app.url, a, query), { headers: a.bearer });
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({ code: 'INVALID_REQUEST', field });
  });
});
