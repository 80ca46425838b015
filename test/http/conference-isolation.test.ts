/**
 * Cross-account isolation on every conference route, with both credential forms: another
 * account's path is 403 FORBIDDEN, another account's sid (on one's own path) is 404 NOT_FOUND,
 * and neither shows nor changes the other account's data.
 */
import { describe, expect, it } from 'vitest';
import { jsonOf, postJson } from '../support/test-app.js';
import { createAccount, requestJson, startVoiceApp, type TestAccount } from '../support/voice.js';

type Call = { method: string; path: string; body?: unknown };

/** Every conference route, on the account `owner`, for the conference and participant given. */
const routes = (owner: string, sid: string, participantId: string): Call[] => {
  const base = `/v1/accounts/${owner}/conferences`;
  return [
    { method: 'POST', path: base, body: { friendlyName: 'intruder' } },
    { method: 'GET', path: `${base}?pageSize=5` },
    { method: 'GET', path: `${base}/${sid}` },
    { method: 'PATCH', path: `${base}/${sid}`, body: { status: 'completed' } },
    { method: 'PATCH', path: `${base}/${sid}`, body: { announceUrl: 'https://evil.example/x.mp3' } },
    { method: 'POST', path: `${base}/${sid}/participants`, body: { from: '+14155551212' } },
    { method: 'GET', path: `${base}/${sid}/participants` },
    { method: 'DELETE', path: `${base}/${sid}/participants/${participantId}` },
  ];
};

async function victimWithData(url: string, victim: TestAccount) {
  const base = `${url}/v1/accounts/${victim.accountId}/conferences`;
  const conference = await jsonOf(await postJson(base, { friendlyName: 'private' }, victim.bearer));
  const participant = await jsonOf(await postJson(`${base}/${conference.sid}/participants`, { from: '+14155550000' }, victim.bearer));
  return { base, conference, participant };
}

async function unchanged(base: string, victim: TestAccount, conference: unknown, participant: unknown): Promise<void> {
  const { sid } = conference as { sid: string };
  expect(await jsonOf(await fetch(`${base}/${sid}`, { headers: victim.bearer }))).toEqual(conference);
  expect((await jsonOf(await fetch(`${base}/${sid}/participants`, { headers: victim.bearer }))).participants).toEqual([participant]);
  expect((await jsonOf(await fetch(`${base}?pageSize=10`, { headers: victim.bearer }))).conferences).toEqual([conference]);
}

describe('conference routes keep accounts apart', () => {
  it('answer 403 FORBIDDEN on another account\'s path, with Bearer and with Basic credentials', async () => {
    const app = await startVoiceApp();
    const [victim, intruder] = [await createAccount(app.url), await createAccount(app.url)];
    const { base, conference, participant } = await victimWithData(app.url, victim);
    for (const headers of [intruder.bearer, intruder.basic]) {
      for (const call of routes(victim.accountId, conference.sid, participant.sid)) {
        const response = await requestJson(call.method, `${app.url}${call.path}`, call.body, headers);
        expect(response.status, `${call.method} ${call.path}`).toBe(403);
        const text = await response.text();
        expect(JSON.parse(text).error.code).toBe('FORBIDDEN');
        expect(text).not.toContain(conference.sid.slice(2));
      }
    }
    await unchanged(base, victim, conference, participant);
  });

  it('answer 404 NOT_FOUND for another account\'s sid on one\'s own path, with Bearer and with Basic credentials', async () => {
    const app = await startVoiceApp();
    const [victim, intruder] = [await createAccount(app.url), await createAccount(app.url)];
    const { base, conference, participant } = await victimWithData(app.url, victim);
    for (const headers of [intruder.bearer, intruder.basic]) {
      // The first two routes name no sid: the intruder's own (empty) listing and a conference of its own.
      const [create, list, ...bySid] = routes(intruder.accountId, conference.sid, participant.sid);
      expect((await requestJson(create!.method, `${app.url}${create!.path}`, create!.body, headers)).status).toBe(201);
      expect((await jsonOf(await fetch(`${app.url}${list!.path}`, { headers }))).conferences.map((c: { sid: string }) => c.sid)).not.toContain(conference.sid);
      for (const call of bySid) {
        const response = await requestJson(call.method, `${app.url}${call.path}`, call.body, headers);
        expect(response.status, `${call.method} ${call.path}`).toBe(404);
        expect((await jsonOf(response)).error.code).toBe('NOT_FOUND');
      }
    }
    await unchanged(base, victim, conference, participant);
  });
});
