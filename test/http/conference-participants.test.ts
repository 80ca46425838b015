import { describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { newSid } from '../../src/domains/shared/sids.js';
import { parseRules } from '../../src/rules/parse-rules.js';
import type { Rule } from '../../src/rules/rule.js';
import { jsonOf, postJson } from '../support/test-app.js';
import { createAccount, requestJson, startVoiceApp } from '../support/voice.js';

const JOIN_PATH = '/v1/accounts/:accountId/conferences/:sid/participants';

async function setup(rules: readonly Rule[] = []) {
  const app = await startVoiceApp({ rules });
  const account = await createAccount(app.url);
  const base = `${app.url}/v1/accounts/${account.accountId}/conferences`;
  const conference = await jsonOf(await postJson(base, { friendlyName: 'room' }, account.bearer));
  const participants = `${base}/${conference.sid}/participants`;
  const join = (body: unknown) => postJson(participants, body, account.bearer);
  const list = async (query = '') => jsonOf(await fetch(`${participants}${query}`, { headers: account.basic }));
  return { app, account, base, conference, participants, join, list, clock: app.clock as ManualClock };
}

describe('participants of a conference', () => {
  it('join (201, E.164), list, leave once (200, twice unchanged), and all are left once the conference ends', async () => {
    const { account, base, conference, participants, join, list, clock } = await setup();
    const first = await join({ from: '(415) 555-1212' });
    expect(first.status).toBe(201);
    const alice = await jsonOf(first);
    expect(alice).toEqual({
      sid: expect.stringMatching(/^CP[0-9a-f]{32}$/), conference_sid: conference.sid, account_id: account.accountId, from: '+14155551212',
      status: 'connected', muted: false, date_created: conference.date_created, date_updated: conference.date_created, uri: `${new URL(participants).pathname}/${alice.sid}`,
    });
    clock.advance(1_000);
    const bob = await jsonOf(await join({ from: '+44 20 7946 0958', muted: true }));
    expect(bob).toMatchObject({ from: '+442079460958', muted: true, status: 'connected' });
    expect((await list()).participants).toEqual([alice, bob]);

    clock.advance(60_000);
    const left = await requestJson('DELETE', `${participants}/${alice.sid}`, undefined, account.bearer);
    expect(left.status).toBe(200);
    const aliceLeft = await jsonOf(left);
    expect(aliceLeft).toEqual({ ...alice, status: 'left', date_updated: new Date(clock()).toUTCString().replace('GMT', '+0000') });
    clock.advance(5_000);
    const twice = await requestJson('DELETE', `${participants}/${alice.sid}`, undefined, account.basic);
    expect(twice.status).toBe(200);
    expect(await jsonOf(twice)).toEqual(aliceLeft);
    expect((await list()).participants).toEqual([aliceLeft, bob]);

    const ended = await jsonOf(await requestJson('PATCH', `${base}/${conference.sid}`, { status: 'completed' }, account.bearer));
    const bobLeft = { ...bob, status: 'left', date_updated: ended.date_updated };
    expect((await list()).participants).toEqual([aliceLeft, bobLeft]);
    expect(await jsonOf(await requestJson('DELETE', `${participants}/${bob.sid}`, undefined, account.bearer))).toEqual(bobLeft);
    const late = await join({ from: '+14155550100' });
    expect(late.status).toBe(409);
    expect((await jsonOf(late)).error.code).toBe('CONFERENCE_ENDED');
    expect((await list()).participants).toHaveLength(2);
  });

  it.each([
    [{}, 'from'],
    [{ from: 'not a number' }, 'from'],
    [{ from: '+1 555' }, 'from'],
    [{ from: '+14155551212', muted: 'yes' }, 'muted'],
    [{ from: '+14155551212', name: 'Bob' }, 'name'],
  ])('refuses a join with %j, 400 naming %s, and adds nobody', async (body, field) => {
    const { join, list } = await setup();
    const response = await join(body);
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({ code: 'INVALID_REQUEST', field });
    expect((await list()).participants).toEqual([]);
  });

  it('answers 404 for an unknown conference or participant, malformed ones included', async () => {
    const { account, base, participants } = await setup();
    for (const sid of [newSid('CF', 0), 'CF00']) {
      expect((await postJson(`${base}/${sid}/participants`, { from: '+14155551212' }, account.bearer)).status).toBe(404);
      expect((await fetch(`${base}/${sid}/participants`, { headers: account.bearer })).status).toBe(404);
    }
    for (const id of [newSid('CP', 0), 'CP00', newSid('CF', 0)]) {
      const response = await requestJson('DELETE', `${participants}/${id}`, undefined, account.bearer);
      expect(response.status).toBe(404);
      expect((await jsonOf(response)).error.code).toBe('NOT_FOUND');
    }
  });

  it('pages the participant list in join order, and refuses a tampered page token', async () => {
    const { join, list, clock } = await setup();
    const sids: string[] = [];
    for (let i = 0; i < 5; i++) {
      sids.push((await jsonOf(await join({ from: `+1415555120${i}` }))).sid);
      clock.advance(10);
    }
    const seen: string[] = [];
    let page = await list('?pageSize=2');
    seen.push(...page.participants.map((p: { sid: string }) => p.sid));
    while (page.nextPageToken !== null) {
      page = await list(`?pageSize=2&pageToken=${page.nextPageToken}`);
      seen.push(...page.participants.map((p: { sid: string }) => p.sid));
    }
    expect(seen).toEqual(sids);
    const token: string = (await list('?pageSize=2')).nextPageToken;
    expect((await list(`?pageToken=${token.slice(0, -2)}`)).error).toMatchObject({ code: 'INVALID_REQUEST', field: 'query.pageToken' });
  });

  it('counts no refused join against the rule: a 400, a 404 and a 409 come before the throttle', async () => {
    const rules = parseRules('test', { rules: [{ id: 'joins', match: { method: 'POST', path: JOIN_PATH }, key: 'param.accountId', limits: [{ count: 1, window: '1m' }] }] });
    const { account, base, conference, join } = await setup(rules);
    const ended = await jsonOf(await postJson(base, { friendlyName: 'ended' }, account.bearer));
    await requestJson('PATCH', `${base}/${ended.sid}`, { status: 'completed' }, account.bearer);
    expect((await join({ from: 'nope' })).status).toBe(400);
    expect((await postJson(`${base}/${newSid('CF', 0)}/participants`, { from: '+14155551212' }, account.bearer)).status).toBe(404);
    expect((await postJson(`${base}/${ended.sid}/participants`, { from: '+14155551212' }, account.bearer)).status).toBe(409);
    expect((await join({ from: '+14155551212' })).status).toBe(201);
    const limited = await postJson(`${base}/${conference.sid}/participants`, { from: '+14155551213' }, account.bearer);
    expect(limited.status).toBe(429);
    expect((await jsonOf(limited)).error).toMatchObject({ code: 'REQUEST_LIMIT_REACHED', rule: 'joins' });
  });
});
