import { describe, expect, it } from 'vitest';
import { jsonOf, postJson } from '../support/test-app.js';
import { createAccount, requestJson, startVoiceApp, type TestAccount } from '../support/voice.js';

/**
 * Every call and call service route, asked by account B about account A: with A's account in
 * the path it is 403 FORBIDDEN; with B's own path and A's sids it is 404 NOT_FOUND. Never A's
 * data, never a change to it.
 */
async function twoAccounts() {
  const app = await startVoiceApp();
  const [a, b] = [await createAccount(app.url), await createAccount(app.url)];
  const call = await jsonOf(await postJson(`${app.url}/v1/accounts/${a.accountId}/calls`, { to: '+14155550100', from: '+14155550199' }, a.bearer));
  const base = `${app.url}/v1/accounts/${a.accountId}/calls/${call.sid}`;
  const recording = await jsonOf(await requestJson('POST', `${base}/recordings`, undefined, a.bearer));
  const transcription = await jsonOf(await requestJson('POST', `${base}/transcriptions`, undefined, a.bearer));
  return { app, a, b, call, recording, transcription };
}

type Request = [method: string, path: string, body: unknown];

/** Every route, for an account's path and the sids it names. */
function requests(accountId: string, callSid: string, recordingSid: string, transcriptionSid: string): Request[] {
  const calls = `/v1/accounts/${accountId}/calls`;
  const call = `${calls}/${callSid}`;
  return [
    ['POST', calls, { to: '+14155550100', from: '+14155550199' }],
    ['GET', calls, undefined],
    ['GET', call, undefined],
    ['POST', call, { status: 'end' }],
    ['PATCH', call, { status: 'ringing' }],
    ['POST', `${call}/recordings`, undefined],
    ['GET', `${call}/recordings`, undefined],
    ['POST', `${call}/recordings/${recordingSid}`, { status: 'stopped' }],
    ['POST', `${call}/transcriptions`, {}],
    ['GET', `${call}/transcriptions`, undefined],
    ['POST', `${call}/transcriptions/${transcriptionSid}`, { status: 'stopped' }],
  ];
}

const credentials = (account: TestAccount) => [
  ['Bearer', account.bearer],
  ['Basic', account.basic],
] as const;

describe('calls and call services across accounts', () => {
  it('answer 403 to a token used on another account\'s path, with either credential form', async () => {
    const { app, a, b, call, recording, transcription } = await twoAccounts();
    for (const [form, headers] of credentials(b)) {
      for (const [method, path, body] of requests(a.accountId, call.sid, recording.sid, transcription.sid)) {
        const response = await requestJson(method, `${app.url}${path}`, body, headers);
        expect(response.status, `${form} ${method} ${path}`).toBe(403);
        expect((await jsonOf(response)).error.code).toBe('FORBIDDEN');
      }
    }
  });

  it('answer 404 to another account\'s sids on one\'s own path, with either credential form', async () => {
    const { app, a, b, call, recording, transcription } = await twoAccounts();
    for (const [form, headers] of credentials(b)) {
      // The two collection routes of B's own path are B's (and empty), not A's: skip them here.
      for (const [method, path, body] of requests(b.accountId, call.sid, recording.sid, transcription.sid).slice(2)) {
        const response = await requestJson(method, `${app.url}${path}`, body, headers);
        expect(response.status, `${form} ${method} ${path}`).toBe(404);
        expect((await jsonOf(response)).error.code).toBe('NOT_FOUND');
      }
      expect((await jsonOf(await fetch(`${app.url}/v1/accounts/${b.accountId}/calls`, { headers }))).calls).toEqual([]);
    }
    // A's call and services are as A left them.
    const base = `${app.url}/v1/accounts/${a.accountId}/calls/${call.sid}`;
    expect(await jsonOf(await fetch(base, { headers: a.bearer }))).toEqual(call);
    expect((await jsonOf(await fetch(`${base}/recordings`, { headers: a.basic }))).recordings).toEqual([recording]);
    expect((await jsonOf(await fetch(`${base}/transcriptions`, { headers: a.basic }))).transcriptions).toEqual([transcription]);
    expect(await app.stores.cdrs.get(a.accountId, call.sid)).toBeUndefined();
  });

  it('answer 401 without credentials', async () => {
    const { app, a, call, recording, transcription } = await twoAccounts();
    for (const [method, path, body] of requests(a.accountId, call.sid, recording.sid, transcription.sid)) {
      expect((await requestJson(method, `${app.url}${path}`, body)).status, `${method} ${path}`).toBe(401);
    }
  });
});
