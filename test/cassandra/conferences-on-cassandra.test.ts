/**
 * Conferences through the app on the real node: the whole flow of a room, and two instances (two
 * apps, two clients, clocks 5 s apart) ending one conference at once.
 */
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/clock.js';
import { jsonOf, postJson, type TestApp } from '../support/test-app.js';
import { connectTestClient, testStores } from '../support/cassandra.js';
import { createAccount, requestJson, startVoiceApp, type TestAccount } from '../support/voice.js';

const T0 = 1_800_000_000_000;
let clients: cassandra.Client[] = [];
let apps: TestApp[] = [];
let account: TestAccount;

beforeAll(async () => {
  clients = [await connectTestClient(), await connectTestClient()];
  apps = [
    await startVoiceApp({ stores: testStores(clients[0]!), clock: createManualClock(T0) }),
    await startVoiceApp({ stores: testStores(clients[1]!), clock: createManualClock(T0 + 5_000) }),
  ];
  account = await createAccount(apps[0]!.url);
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.shutdown()));
});

const conferencesOf = (app: TestApp) => `${app.url}/v1/accounts/${account.accountId}/conferences`;

describe('conferences on Cassandra', () => {
  it('create, two join, one leaves, list, end; a join after the end is 409', async () => {
    const base = conferencesOf(apps[0]!);
    const room = `room-${Date.now().toString(36)}`;
    const created = await postJson(base, { friendlyName: room, announceUrl: 'https://example.com/hello.mp3' }, account.bearer);
    expect(created.status).toBe(201);
    const conference = await jsonOf(created);
    const participants = `${base}/${conference.sid}/participants`;

    const joined = [];
    for (const from of ['+14155551212', '+14155551213']) {
      const response = await postJson(participants, { from }, account.basic);
      expect(response.status).toBe(201);
      joined.push(await jsonOf(response));
      // Sids order participants by join time, to the millisecond: the second joins later.
      (apps[0]!.clock as ManualClock).advance(1_000);
    }
    const left = await requestJson('DELETE', `${participants}/${joined[0].sid}`, undefined, account.bearer);
    expect(left.status).toBe(200);
    expect(await jsonOf(left)).toMatchObject({ sid: joined[0].sid, status: 'left' });
    const listed = await jsonOf(await fetch(participants, { headers: account.bearer }));
    expect(listed.participants.map((p: { status: string }) => p.status)).toEqual(['left', 'connected']);

    for (const query of [`friendlyName=${room}`, 'pageSize=1000']) {
      const page = await jsonOf(await fetch(`${base}?${query}`, { headers: account.bearer }));
      expect(page.conferences.map((c: { sid: string }) => c.sid)).toContain(conference.sid);
    }

    const announced = await requestJson('PATCH', `${base}/${conference.sid}`, { announceUrl: 'https://example.com/bye.mp3' }, account.bearer);
    expect(await jsonOf(announced)).toMatchObject({ status: 'in-progress', announce_url: 'https://example.com/bye.mp3' });
    const ended = await requestJson('PATCH', `${base}/${conference.sid}`, { status: 'completed' }, account.bearer);
    expect(ended.status).toBe(200);
    const completed = await jsonOf(ended);
    expect(completed).toMatchObject({ sid: conference.sid, status: 'completed', announce_url: 'https://example.com/bye.mp3' });
    const late = await postJson(participants, { from: '+14155551214' }, account.bearer);
    expect(late.status).toBe(409);
    expect((await jsonOf(late)).error.code).toBe('CONFERENCE_ENDED');

    expect(await jsonOf(await fetch(`${base}/${conference.sid}`, { headers: account.bearer }))).toEqual(completed);
    const after = await jsonOf(await fetch(participants, { headers: account.bearer }));
    expect(after.participants.map((p: { status: string }) => p.status)).toEqual(['left', 'left']);
    expect(after.participants[1].date_updated).toBe(completed.date_updated);
    const byStatus = await jsonOf(await fetch(`${base}?friendlyName=${room}&status=completed`, { headers: account.bearer }));
    expect(byStatus.conferences).toEqual([completed]);
  });

  it('two instances ending one conference at once both answer 200 with the same completed conference', async () => {
    for (let round = 0; round < 5; round++) {
      const conference = await jsonOf(await postJson(conferencesOf(apps[0]!), { friendlyName: 'race' }, account.bearer));
      const answers = await Promise.all(
        apps.map((app) => requestJson('PATCH', `${conferencesOf(app)}/${conference.sid}`, { status: 'completed' }, account.bearer)),
      );
      expect(answers.map((r) => r.status)).toEqual([200, 200]);
      const [first, second] = await Promise.all(answers.map((r) => jsonOf(r)));
      expect(first.status).toBe('completed');
      expect(second).toEqual(first);
      expect(await jsonOf(await fetch(`${conferencesOf(apps[1]!)}/${conference.sid}`, { headers: account.bearer }))).toEqual(first);
    }
  });

  it('pages a room and a date range with Cassandra\'s paging state, and refuses bad sids and tokens', async () => {
    const base = conferencesOf(apps[1]!);
    const room = `paged-${Date.now().toString(36)}`;
    const sids: string[] = [];
    for (let i = 0; i < 3; i++) {
      sids.unshift((await jsonOf(await postJson(base, { friendlyName: room }, account.bearer))).sid);
      (apps[1]!.clock as ManualClock).advance(1_000);
    }
    const seen: string[] = [];
    const url = `${base}?friendlyName=${room}&pageSize=1`;
    let token: string | null = null;
    do {
      const page = await jsonOf(await fetch(token === null ? url : `${url}&pageToken=${token}`, { headers: account.bearer }));
      seen.push(...page.conferences.map((c: { sid: string }) => c.sid));
      token = page.nextPageToken;
      if (token !== null) {
        const tampered = await fetch(`${url}&pageToken=${token.replace(/^./, (c) => (c === 'e' ? 'f' : 'e'))}`, { headers: account.bearer });
        expect(tampered.status).toBe(400);
      }
    } while (token !== null);
    expect(seen).toEqual(sids);

    const unknown = `${base}/CF${'0'.repeat(32)}`;
    expect((await fetch(unknown, { headers: account.bearer })).status).toBe(404);
    expect((await requestJson('PATCH', unknown, { status: 'completed' }, account.bearer)).status).toBe(404);
    expect((await postJson(`${unknown}/participants`, { from: '+14155551212' }, account.bearer)).status).toBe(404);
    expect((await requestJson('DELETE', `${base}/${sids[0]}/participants/CP${'0'.repeat(32)}`, undefined, account.bearer)).status).toBe(404);
    await requestJson('PATCH', `${base}/${sids[0]}`, { status: 'completed' }, account.bearer);
    const late = await requestJson('PATCH', `${base}/${sids[0]}`, { announceUrl: 'https://example.com/x.mp3' }, account.bearer);
    expect(late.status).toBe(409);
  });
});
