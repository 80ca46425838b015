import { describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { parseRules } from '../../src/rules/parse-rules.js';
import { jsonOf, postJson } from '../support/test-app.js';
import { createAccount, requestJson, startVoiceApp, type TestAccount } from '../support/voice.js';

const RFC2822 = /^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/;
const KINDS = [
  ['recordings', 'RE'],
  ['transcriptions', 'TR'],
] as const;

async function withCall(options: Parameters<typeof startVoiceApp>[0] = {}) {
  const app = await startVoiceApp(options);
  const a = await createAccount(app.url);
  const call = await jsonOf(await postJson(`${app.url}/v1/accounts/${a.accountId}/calls`, { to: '+14155550100', from: '+14155550199' }, a.bearer));
  const callUrl = `${app.url}/v1/accounts/${a.accountId}/calls/${call.sid}`;
  return { app, a, call, callUrl, clock: app.clock as ManualClock };
}

const start = (url: string, account: TestAccount, body?: unknown) => requestJson('POST', url, body, account.bearer);

describe.each(KINDS)('call %s', (plural, prefix) => {
  it('starts one on a live call, with or without a body', async () => {
    const { a, call, callUrl } = await withCall();
    const response = await start(`${callUrl}/${plural}`, a);
    expect(response.status).toBe(201);
    const service = await jsonOf(response);
    expect(service).toEqual({
      sid: expect.stringMatching(new RegExp(`^${prefix}[0-9a-f]{32}$`)),
      account_id: a.accountId,
      call_sid: call.sid,
      status: 'in-progress',
      date_created: expect.stringMatching(RFC2822),
      date_updated: service.date_created,
      uri: `/v1/accounts/${a.accountId}/calls/${call.sid}/${plural}/${service.sid}`,
    });
    expect((await start(`${callUrl}/${plural}`, a, {})).status).toBe(201);
  });

  it('stops one (stopping again changes nothing) and lists them newest first', async () => {
    const { a, callUrl, clock } = await withCall();
    const first = await jsonOf(await start(`${callUrl}/${plural}`, a));
    clock.advance(1_000);
    const second = await jsonOf(await start(`${callUrl}/${plural}`, a));
    clock.advance(1_000);
    const stopped = await requestJson('POST', `${callUrl}/${plural}/${first.sid}`, { status: 'stopped' }, a.basic);
    expect(stopped.status).toBe(200);
    const body = await jsonOf(stopped);
    expect(body).toMatchObject({ sid: first.sid, status: 'stopped', date_created: first.date_created });
    expect(body.date_updated).not.toBe(first.date_updated);
    clock.advance(1_000);
    expect(await jsonOf(await requestJson('POST', `${callUrl}/${plural}/${first.sid}`, { status: 'stopped' }, a.bearer))).toEqual(body);

    const list = await jsonOf(await fetch(`${callUrl}/${plural}`, { headers: a.bearer }));
    expect(list).toEqual({ [plural]: [second, body], nextPageToken: null });
    const paged = await jsonOf(await fetch(`${callUrl}/${plural}?pageSize=1`, { headers: a.bearer }));
    expect(paged[plural]).toEqual([second]);
    const rest = await jsonOf(await fetch(`${callUrl}/${plural}?pageSize=1&pageToken=${encodeURIComponent(paged.nextPageToken)}`, { headers: a.bearer }));
    expect(rest[plural]).toEqual([body]);
  });

  it('refuses to start one on an ended call with 409 CALL_ENDED, uncounted; shows running ones as stopped', async () => {
    const rules = parseRules('test', { rules: [{ id: 'starts', match: { method: 'POST', path: `/v1/accounts/:accountId/calls/:sid/${plural}` }, key: 'param.accountId', limits: [{ count: 2, window: '1m' }] }] });
    const { app, a, callUrl, clock } = await withCall({ rules });
    const running = await jsonOf(await start(`${callUrl}/${plural}`, a));
    clock.advance(5_000);
    const ended = await jsonOf(await requestJson('POST', callUrl, { status: 'end' }, a.bearer));
    for (let i = 0; i < 3; i++) {
      const response = await start(`${callUrl}/${plural}`, a);
      expect(response.status).toBe(409);
      expect((await jsonOf(response)).error.code).toBe('CALL_ENDED');
    }
    const list = await jsonOf(await fetch(`${callUrl}/${plural}`, { headers: a.bearer }));
    expect(list[plural]).toEqual([{ ...running, status: 'stopped', date_updated: ended.end_time }]);
    // Stopping it now answers what the list shows, and writes nothing.
    expect(await jsonOf(await requestJson('POST', `${callUrl}/${plural}/${running.sid}`, { status: 'stopped' }, a.bearer))).toEqual(list[plural][0]);
    // The refusals were not counted: the limit of 2 has room for one more start, and no more.
    const other = await jsonOf(await postJson(`${app.url}/v1/accounts/${a.accountId}/calls`, { to: '+14155550100', from: '+14155550199' }, a.bearer));
    expect((await start(`${app.url}/v1/accounts/${a.accountId}/calls/${other.sid}/${plural}`, a)).status).toBe(201);
    expect((await start(`${app.url}/v1/accounts/${a.accountId}/calls/${other.sid}/${plural}`, a)).status).toBe(429);
  });

  it.each([
    ['an unknown call', (url: string) => url.replace(/CA[0-9a-f]{32}/, 'CA0192f1c3a4b07c8e9d0000000000000a')],
    ['a malformed call sid', (url: string) => url.replace(/CA[0-9a-f]{32}/, 'nope')],
  ])('answers 404 for %s on every route', async (_, mangle) => {
    const { a, callUrl } = await withCall();
    const service = await jsonOf(await start(`${callUrl}/${plural}`, a));
    const url = mangle(callUrl);
    for (const response of [
      await start(`${url}/${plural}`, a),
      await fetch(`${url}/${plural}`, { headers: a.bearer }),
      await requestJson('POST', `${url}/${plural}/${service.sid}`, { status: 'stopped' }, a.bearer),
    ]) {
      expect(response.status).toBe(404);
      expect((await jsonOf(response)).error.code).toBe('NOT_FOUND');
    }
  });

  it('answers 404 to a stop of an unknown, malformed or other-kind service sid', async () => {
    const { a, callUrl } = await withCall();
    const other = plural === 'recordings' ? 'transcriptions' : 'recordings';
    const otherKind = await jsonOf(await start(`${callUrl}/${other}`, a));
    for (const sid of [`${prefix}0192f1c3a4b07c8e9d0000000000000a`, 'nope', otherKind.sid]) {
      expect((await requestJson('POST', `${callUrl}/${plural}/${sid}`, { status: 'stopped' }, a.bearer)).status).toBe(404);
    }
  });

  it.each([
    ['a start with an unknown field', 'start', { channels: 2 }, 'channels'],
    ['a stop with another status', 'stop', { status: 'paused' }, 'status'],
    ['a stop with no status', 'stop', {}, 'status'],
    ['a list with an unknown parameter', 'list', undefined, 'query.limit'],
    ['a list with a bad page size', 'list-size', undefined, 'query.pageSize'],
  ])('refuses %s with 400', async (_, action, body, field) => {
    const { a, callUrl } = await withCall();
    const service = await jsonOf(await start(`${callUrl}/${plural}`, a));
    const response =
      action === 'start' ? await start(`${callUrl}/${plural}`, a, body)
      : action === 'stop' ? await requestJson('POST', `${callUrl}/${plural}/${service.sid}`, body, a.bearer)
      : await fetch(`${callUrl}/${plural}?${action === 'list' ? 'limit=5' : 'pageSize=0'}`, { headers: a.bearer });
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({ code: 'INVALID_REQUEST', field });
  });
});
