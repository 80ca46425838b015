import { describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { serviceUnavailable } from '../../src/errors.js';
import { parseRules } from '../../src/rules/parse-rules.js';
import { jsonOf, postJson } from '../support/test-app.js';
import { createAccount, requestJson, startVoiceApp, type TestAccount } from '../support/voice.js';

const RFC2822 = /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/;
const callsUrl = (base: string, account: TestAccount, rest = '') => `${base}/v1/accounts/${account.accountId}/calls${rest}`;

async function appWithAccount(options: Parameters<typeof startVoiceApp>[0] = {}) {
  const app = await startVoiceApp(options);
  return { app, a: await createAccount(app.url), clock: app.clock as ManualClock };
}

async function placeCall(base: string, account: TestAccount, body: Record<string, unknown> = {}) {
  const response = await postJson(callsUrl(base, account), { to: '+14155550100', from: '+14155550199', ...body }, account.bearer);
  expect(response.status).toBe(201);
  return jsonOf(response);
}

describe('POST /v1/accounts/:accountId/calls', () => {
  it('places a call: initiated, numbers in E.164, started when created, no end or price yet', async () => {
    const { app, a } = await appWithAccount();
    const response = await postJson(callsUrl(app.url, a), { to: '(415) 555-0100', from: '+1 415 555 0199' }, a.basic);
    expect(response.status).toBe(201);
    const call = await jsonOf(response);
    const uri = `/v1/accounts/${a.accountId}/calls/${call.sid}`;
    expect(call).toEqual({
      sid: expect.stringMatching(/^CA[0-9a-f]{32}$/),
      account_id: a.accountId,
      from: '+14155550199',
      to: '+14155550100',
      status: 'initiated',
      direction: 'outbound-api',
      date_created: expect.stringMatching(RFC2822),
      date_updated: call.date_created,
      start_time: call.date_created,
      end_time: null,
      duration: null,
      price: null,
      price_unit: 'USD',
      carrier: null,
      announce_url: null,
      limit_exceeded_rule: null,
      uri,
      subresource_uris: { recordings: `${uri}/recordings`, transcriptions: `${uri}/transcriptions` },
    });
    expect(await jsonOf(await fetch(`${app.url}${uri}`, { headers: a.bearer }))).toEqual(call);
  });

  it.each([
    ['no to', { from: '+14155550199' }, 'to'],
    ['an invalid to', { to: '12', from: '+14155550199' }, 'to'],
    ['an invalid from', { to: '+14155550100', from: 'not a number' }, 'from'],
    ['an unknown field', { to: '+14155550100', from: '+14155550199', priority: 'high' }, 'priority'],
    ['an unknown event', { to: '+14155550100', from: '+14155550199', statusCallback: 'https://example.com/s', statusCallbackEvent: ['hangup'] }, 'statusCallbackEvent.0'],
    ['a bad method', { to: '+14155550100', from: '+14155550199', statusCallback: 'https://example.com/s', statusCallbackMethod: 'PUT' }, 'statusCallbackMethod'],
    ['events without a callback', { to: '+14155550100', from: '+14155550199', statusCallbackEvent: ['completed'] }, 'statusCallbackEvent'],
    ['a method without a callback', { to: '+14155550100', from: '+14155550199', statusCallbackMethod: 'GET' }, 'statusCallbackMethod'],
    ['a callback that is not http(s)', { to: '+14155550100', from: '+14155550199', statusCallback: 'ftp://example.com/s' }, 'statusCallback'],
    ['a loopback callback', { to: '+14155550100', from: '+14155550199', statusCallback: 'http://127.0.0.1:8080/s' }, 'statusCallback'],
  ])('refuses %s with 400 naming the field, and writes nothing', async (_, body, field) => {
    const { app, a } = await appWithAccount();
    const response = await postJson(callsUrl(app.url, a), body, a.bearer);
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({ code: 'INVALID_REQUEST', field });
    expect((await jsonOf(await fetch(callsUrl(app.url, a), { headers: a.bearer }))).calls).toEqual([]);
  });

  it('does not count a refused request against the account\'s limit', async () => {
    const rules = parseRules('test', { rules: [{ id: 'calls', match: { method: 'POST', path: '/v1/accounts/:accountId/calls' }, key: 'param.accountId', limits: [{ count: 1, window: '1m' }] }] });
    const { app, a } = await appWithAccount({ rules });
    expect((await postJson(callsUrl(app.url, a), { to: '+14155550100', from: '+14155550199', statusCallback: 'http://localhost/x' }, a.bearer)).status).toBe(400);
    expect((await postJson(callsUrl(app.url, a), { to: '+14155550100', from: '+14155550199' }, a.bearer)).status).toBe(201);
    const third = await postJson(callsUrl(app.url, a), { to: '+14155550100', from: '+14155550199' }, a.bearer);
    expect(third.status).toBe(429);
    expect((await jsonOf(third)).error.code).toBe('REQUEST_LIMIT_REACHED');
  });
});

describe('GET /v1/accounts/:accountId/calls/:sid', () => {
  it.each([['an unknown sid', 'CA0192f1c3a4b07c8e9d0000000000000a'], ['a malformed sid', 'CA-nope'], ['another prefix', 'CF0192f1c3a4b07c8e9d0000000000000a']])('answers 404 to %s', async (_, sid) => {
    const { app, a } = await appWithAccount();
    const response = await fetch(callsUrl(app.url, a, `/${sid}`), { headers: a.bearer });
    expect(response.status).toBe(404);
    expect((await jsonOf(response)).error.code).toBe('NOT_FOUND');
  });
});

describe('POST and PATCH /v1/accounts/:accountId/calls/:sid', () => {
  it('moves a call forward, then ends it with duration and price, and writes its CDR', async () => {
    const { app, a, clock } = await appWithAccount();
    const call = await placeCall(app.url, a);
    clock.advance(2_000);
    const ringing = await requestJson('POST', callsUrl(app.url, a, `/${call.sid}`), { status: 'ringing' }, a.bearer);
    expect(await jsonOf(ringing)).toMatchObject({ status: 'ringing', end_time: null });
    const answered = await requestJson('PATCH', callsUrl(app.url, a, `/${call.sid}`), { status: 'in-progress' }, a.basic);
    expect((await jsonOf(answered)).status).toBe('in-progress');
    clock.advance(59_000 + 999);
    const ended = await requestJson('POST', callsUrl(app.url, a, `/${call.sid}`), { status: 'end' }, a.bearer);
    expect(ended.status).toBe(200);
    const body = await jsonOf(ended);
    expect(body).toMatchObject({ status: 'completed', start_time: call.start_time, end_time: expect.stringMatching(RFC2822), duration: '61', price: '-0.06000', price_unit: 'USD' });
    expect(await app.stores.cdrs.get(a.accountId, call.sid)).toMatchObject({ callSid: call.sid, durationSeconds: 61, price: '-0.06000', from: '+14155550199', to: '+14155550100', status: 'completed' });
  });

  it.each([['end'], ['completed'], ['canceled']])('"%s" ends a call; ending it again changes nothing and answers 200', async (status) => {
    const { app, a, clock } = await appWithAccount();
    const call = await placeCall(app.url, a);
    const first = await jsonOf(await requestJson('PATCH', callsUrl(app.url, a, `/${call.sid}`), { status }, a.bearer));
    expect(first).toMatchObject({ status: 'completed', duration: '0', price: '0.00000' });
    clock.advance(30_000);
    for (const again of ['end', 'completed', 'canceled']) {
      const response = await requestJson('POST', callsUrl(app.url, a, `/${call.sid}`), { status: again }, a.bearer);
      expect(response.status).toBe(200);
      expect(await jsonOf(response)).toEqual(first);
    }
    const cdrs = await app.stores.cdrs.list(a.accountId, { fromMs: 0, toMs: clock() }, 10);
    expect(cdrs.cdrs.map((cdr) => cdr.callSid)).toEqual([call.sid]);
  });

  it('answers 200 and changes nothing when the call is already in that status', async () => {
    const { app, a, clock } = await appWithAccount();
    const call = await placeCall(app.url, a);
    const first = await jsonOf(await requestJson('POST', callsUrl(app.url, a, `/${call.sid}`), { status: 'ringing' }, a.bearer));
    clock.advance(1_000);
    expect(await jsonOf(await requestJson('POST', callsUrl(app.url, a, `/${call.sid}`), { status: 'ringing' }, a.bearer))).toEqual(first);
  });

  it.each([
    ['ringing after in-progress', ['in-progress'], 'ringing'],
    ['ringing after the end', ['end'], 'ringing'],
    ['in-progress after the end', ['end'], 'in-progress'],
  ])('refuses %s with 409 STATE_CONFLICT', async (_, before, status) => {
    const { app, a } = await appWithAccount();
    const call = await placeCall(app.url, a);
    for (const step of before) await requestJson('POST', callsUrl(app.url, a, `/${call.sid}`), { status: step }, a.bearer);
    const response = await requestJson('POST', callsUrl(app.url, a, `/${call.sid}`), { status }, a.bearer);
    expect(response.status).toBe(409);
    expect((await jsonOf(response)).error.code).toBe('STATE_CONFLICT');
  });

  it.each([
    ['an unknown status', { status: 'busy' }, 400, 'status'],
    ['an unknown field', { status: 'end', reason: 'x' }, 400, 'reason'],
    ['no status', {}, 400, 'status'],
  ])('refuses %s with %i', async (_, body, code, field) => {
    const { app, a } = await appWithAccount();
    const call = await placeCall(app.url, a);
    const response = await requestJson('PATCH', callsUrl(app.url, a, `/${call.sid}`), body, a.bearer);
    expect(response.status).toBe(code);
    expect((await jsonOf(response)).error).toMatchObject({ code: 'INVALID_REQUEST', field });
  });

  it('answers 404 to an update of an unknown call', async () => {
    const { app, a } = await appWithAccount();
    const response = await requestJson('POST', callsUrl(app.url, a, '/CA0192f1c3a4b07c8e9d0000000000000a'), { status: 'end' }, a.bearer);
    expect(response.status).toBe(404);
  });

  it('repairs a CDR lost after the end was stored: the next end writes it', async () => {
    const { app, a } = await appWithAccount();
    const cdrs = app.stores.cdrs;
    const record = cdrs.record.bind(cdrs);
    let failures = 1;
    cdrs.record = async (cdr) => {
      if (failures-- > 0) throw serviceUnavailable('Call detail records', new Error('store down'));
      return record(cdr);
    };
    const call = await placeCall(app.url, a);
    expect((await requestJson('POST', callsUrl(app.url, a, `/${call.sid}`), { status: 'end' }, a.bearer)).status).toBe(503);
    expect(await cdrs.get(a.accountId, call.sid)).toBeUndefined();
    const again = await requestJson('POST', callsUrl(app.url, a, `/${call.sid}`), { status: 'end' }, a.bearer);
    expect(again.status).toBe(200);
    expect(await cdrs.get(a.accountId, call.sid)).toMatchObject({ callSid: call.sid, status: 'completed' });
  });
});
