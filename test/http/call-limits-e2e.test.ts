/**
 * For test/http/ once the throttle's limiters are wired in compose.ts (today the throttle answers
 * 500: deps.limiters is undefined). Carriers chosen in succession, then the announcement instead of
 * a refusal, end to end through the real throttle.
 */
import { describe, expect, it } from 'vitest';
import { parseRules } from '../../src/rules/parse-rules.js';
import { jsonOf, postJson } from '../support/test-app.js';
import { createAccount, requestJson, startVoiceApp } from '../support/voice.js';

const CALLS = '/v1/accounts/:accountId/calls';
const ANNOUNCE = 'https://example.com/all-lines-busy.mp3';

describe('limiter outcomes through the throttle', () => {
  it('takes carriers in succession, creates the next call limit_exceeded (201), and an end frees a carrier', async () => {
    const rules = parseRules('test', { rules: [{
      id: 'outbound-carriers', match: { method: 'POST', path: CALLS }, key: 'param.accountId',
      limits: [{ kind: 'carriers', carriers: [{ name: 'carrier1', max: 1 }, { name: 'carrier2', max: 1 }], lease: '1h' }],
      onLimit: { announceUrl: ANNOUNCE },
    }] });
    const app = await startVoiceApp({ rules });
    const a = await createAccount(app.url);
    const calls = `${app.url}/v1/accounts/${a.accountId}/calls`;
    const place = async () => {
      const response = await postJson(calls, { to: '+14155550100', from: '+14155550199' }, a.bearer);
      expect(response.status).toBe(201);
      return jsonOf(response);
    };
    const first = await place();
    expect(first).toMatchObject({ status: 'initiated', carrier: 'carrier1', announce_url: null });
    expect(await place()).toMatchObject({ status: 'initiated', carrier: 'carrier2' });
    const refused = await place();
    expect(refused).toMatchObject({ status: 'limit_exceeded', carrier: null, announce_url: ANNOUNCE, limit_exceeded_rule: 'outbound-carriers', duration: '0', price: null });
    expect((await requestJson('POST', `${calls}/${refused.sid}`, { status: 'ringing' }, a.bearer)).status).toBe(409);
    expect((await requestJson('POST', `${calls}/${first.sid}`, { status: 'end' }, a.bearer)).status).toBe(200);
    expect(await place()).toMatchObject({ status: 'initiated', carrier: 'carrier1' });
  });

  it('a rule without onLimit still refuses with 429', async () => {
    const rules = parseRules('test', { rules: [{ id: 'calls', match: { method: 'POST', path: CALLS }, key: 'param.accountId', limits: [{ count: 1, window: '1m' }] }] });
    const app = await startVoiceApp({ rules });
    const a = await createAccount(app.url);
    const calls = `${app.url}/v1/accounts/${a.accountId}/calls`;
    expect((await postJson(calls, { to: '+14155550100', from: '+14155550199' }, a.bearer)).status).toBe(201);
    expect((await postJson(calls, { to: '+14155550100', from: '+14155550199' }, a.bearer)).status).toBe(429);
  });
});
