/**
 * Ending a call, ending a conference and leaving a room give capacity back: no rule on their
 * routes (a window over call updates, a rule written for the leave route) can refuse them.
 */
import { describe, expect, it } from 'vitest';
import { parseRules } from '../../src/rules/parse-rules.js';
import { jsonOf } from '../support/test-app.js';
import { createAccount, requestJson, startVoiceApp } from '../support/voice.js';

const window = (id: string, method: string | string[], path: string, count: number) =>
  parseRules('test', { rules: [{ id, match: { method, path }, key: 'param.accountId', limits: [{ count, window: '1h' }] }] })[0]!;

describe('requests that give capacity back', () => {
  it('an end of a call passes a full window over call updates; a move does not', async () => {
    const app = await startVoiceApp({ rules: [window('updates', ['POST', 'PATCH'], '/v1/accounts/:accountId/calls/:sid', 1)] });
    const account = await createAccount(app.url);
    const base = `${app.url}/v1/accounts/${account.accountId}`;
    const call = async () => (await jsonOf(await requestJson('POST', `${base}/calls`, { to: '+14155550100', from: '+14155550101' }, account.bearer))).sid as string;
    const [a, b] = [await call(), await call()];
    expect((await requestJson('PATCH', `${base}/calls/${a}`, { status: 'ringing' }, account.bearer)).status).toBe(200);
    expect((await requestJson('PATCH', `${base}/calls/${b}`, { status: 'ringing' }, account.bearer)).status).toBe(429);
    for (const status of ['end', 'completed']) expect((await requestJson('PATCH', `${base}/calls/${a}`, { status }, account.bearer)).status).toBe(200);
    expect((await requestJson('POST', `${base}/calls/${b}`, { status: 'canceled' }, account.bearer)).status).toBe(200);
  });

  it('ending a conference and leaving it pass full windows over conference updates and the leave route', async () => {
    const app = await startVoiceApp({
      rules: [
        window('conference-updates', 'PATCH', '/v1/accounts/:accountId/conferences/:sid', 1),
        window('leaves', 'DELETE', '/v1/accounts/:accountId/conferences/:sid/participants/:participantId', 1),
      ],
    });
    const account = await createAccount(app.url);
    const base = `${app.url}/v1/accounts/${account.accountId}`;
    const room = (await jsonOf(await requestJson('POST', `${base}/conferences`, { friendlyName: 'room' }, account.bearer))).sid as string;
    const join = async (n: number) => (await jsonOf(await requestJson('POST', `${base}/conferences/${room}/participants`, { from: `+1415555010${n}` }, account.bearer))).sid as string;
    const [p1, p2] = [await join(1), await join(2)];
    expect((await requestJson('PATCH', `${base}/conferences/${room}`, { announceUrl: 'https://example.com/a.mp3' }, account.bearer)).status).toBe(200);
    expect((await requestJson('PATCH', `${base}/conferences/${room}`, { announceUrl: 'https://example.com/b.mp3' }, account.bearer)).status).toBe(429);
    for (const p of [p1, p2]) expect((await requestJson('DELETE', `${base}/conferences/${room}/participants/${p}`, undefined, account.bearer)).status).toBe(200);
    expect((await requestJson('PATCH', `${base}/conferences/${room}`, { status: 'completed' }, account.bearer)).status).toBe(200);
  });
});
