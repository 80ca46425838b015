import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import { createCalls } from '../../src/domains/calls/calls.js';
import type { Stores } from '../../src/stores.js';
import { connectTestClient, testStores } from '../support/cassandra.js';
import { jsonOf, postJson } from '../support/test-app.js';
import { createAccount, requestJson, startVoiceApp } from '../support/voice.js';

const HOUR = 3_600_000;
const clients: cassandra.Client[] = [];
let receiverUrl: string;
const completedCallbacks: string[] = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    const form = new URLSearchParams(body);
    if (form.get('CallStatus') === 'completed') completedCallbacks.push(form.get('CallSid')!);
    res.end();
  });
});

beforeAll(async () => {
  clients.push(await connectTestClient(), await connectTestClient());
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/status`;
});
afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
  await Promise.all(clients.map((c) => c.shutdown()));
});

/** An app on the real node through client `i`, counting the call ends its instance applied. */
async function instance(i: number) {
  const stores: Stores = testStores(clients[i]!);
  const applied = { ends: 0 };
  const transition = stores.calls.transition.bind(stores.calls);
  stores.calls.transition = async (current, next) => {
    const result = await transition(current, next);
    if (result.applied && next.status === 'completed') applied.ends++;
    return result;
  };
  const app = await startVoiceApp({ stores, settings: { callbackAllowedHosts: ['127.0.0.1'] } });
  return { app, applied, clock: app.clock as ManualClock };
}

describe('the call APIs on Cassandra', () => {
  it('place, read, move, end a call and write its CDR; run its recordings', async () => {
    const { app } = await instance(0);
    const a = await createAccount(app.url);
    const calls = `${app.url}/v1/accounts/${a.accountId}/calls`;
    const call = await jsonOf(await postJson(calls, { to: '415 555 0100', from: '+14155550199' }, a.bearer));
    expect(call).toMatchObject({ status: 'initiated', to: '+14155550100' });
    expect(await jsonOf(await fetch(`${calls}/${call.sid}`, { headers: a.basic }))).toEqual(call);
    const recording = await jsonOf(await requestJson('POST', `${calls}/${call.sid}/recordings`, undefined, a.bearer));
    expect((await requestJson('PATCH', `${calls}/${call.sid}`, { status: 'in-progress' }, a.bearer)).status).toBe(200);
    expect((await requestJson('PATCH', `${calls}/${call.sid}`, { status: 'ringing' }, a.bearer)).status).toBe(409);
    (app.clock as ManualClock).advance(90_000);
    const ended = await jsonOf(await requestJson('POST', `${calls}/${call.sid}`, { status: 'end' }, a.bearer));
    expect(ended).toMatchObject({ status: 'completed', duration: '90', price: '-0.06000' });
    expect(await app.stores.cdrs.get(a.accountId, call.sid)).toMatchObject({ durationSeconds: 90, price: '-0.06000' });
    expect((await requestJson('POST', `${calls}/${call.sid}/transcriptions`, undefined, a.bearer)).status).toBe(409);
    const recordings = await jsonOf(await fetch(`${calls}/${call.sid}/recordings`, { headers: a.bearer }));
    expect(recordings.recordings).toEqual([{ ...recording, status: 'stopped', date_updated: ended.end_time }]);
    expect((await fetch(`${calls}/CA0192f1c3a4b07c8e9d0000000000000a`, { headers: a.bearer })).status).toBe(404);
  });

  it('a limit_exceeded call and a carried one: read back, listed by status; the refused one never moves and ends as it is', async () => {
    const { app, clock } = await instance(0);
    const a = await createAccount(app.url);
    // The throttle decides when a call is refused or carried; here the domain is told directly, on the app's store.
    const domain = createCalls({
      repository: app.stores.calls, cdrs: app.stores.cdrs, clock,
      settings: { callPricePerMinute: '0.03000', callPriceUnit: 'USD', defaultPhoneRegion: 'US' },
      urlPolicy: { check: async () => ({ ok: false, reason: 'is not checked in this test' }) },
      callbacks: { dispatch: () => {} },
    });
    const draft = { from: '+14155550199', to: '+14155550100', statusCallback: null };
    const refused = await domain.create(a.accountId, draft, undefined, { exceeded: { rule: 'calls-at-once', announceUrl: 'https://example.com/busy.mp3' } });
    clock.advance(1_000);
    const carried = await domain.create(a.accountId, draft, undefined, { carrier: 'carrier-b' });
    const calls = `${app.url}/v1/accounts/${a.accountId}/calls`;
    expect(await jsonOf(await fetch(`${calls}/${refused.sid}`, { headers: a.bearer }))).toEqual(refused);
    expect(refused).toMatchObject({ status: 'limit_exceeded', announce_url: 'https://example.com/busy.mp3', limit_exceeded_rule: 'calls-at-once', duration: '0', price: null });
    expect(await jsonOf(await fetch(`${calls}/${carried.sid}`, { headers: a.bearer }))).toMatchObject({ status: 'initiated', carrier: 'carrier-b' });
    expect((await jsonOf(await fetch(`${calls}?status=limit_exceeded`, { headers: a.bearer }))).calls).toEqual([refused]);
    expect((await requestJson('POST', `${calls}/${refused.sid}`, { status: 'ringing' }, a.bearer)).status).toBe(409);
    expect(await jsonOf(await requestJson('POST', `${calls}/${refused.sid}`, { status: 'end' }, a.bearer))).toEqual(refused);
    expect(await app.stores.cdrs.get(a.accountId, refused.sid)).toBeUndefined();
  });

  it('pages a filtered listing across days with pageToken', async () => {
    const { app, clock } = await instance(0);
    const a = await createAccount(app.url);
    const calls = `${app.url}/v1/accounts/${a.accountId}/calls`;
    const created: Array<{ sid: string; to: string }> = [];
    for (let i = 0; i < 12; i++) {
      clock.advance(5 * HOUR);
      created.unshift(await jsonOf(await postJson(calls, { to: i % 2 === 0 ? '+14155550100' : '+14155550101', from: '+14155550199' }, a.bearer)));
    }
    const walk = async (query: string) => {
      const sids: string[] = [];
      let token: string | null = null;
      do {
        const response = await fetch(`${calls}?pageSize=3${query}${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`, { headers: a.bearer });
        expect(response.status).toBe(200);
        const body = await jsonOf(response);
        expect(body.calls.length).toBeLessThanOrEqual(3);
        sids.push(...body.calls.map((c: { sid: string }) => c.sid));
        token = body.nextPageToken;
      } while (token !== null);
      return sids;
    };
    expect(await walk('')).toEqual(created.map((c) => c.sid));
    expect(await walk('&to=%2B14155550101')).toEqual(created.filter((c) => c.to === '+14155550101').map((c) => c.sid));
  });

  it('two instances ending the same calls at once: one end applied, one CDR and one completed callback per call', async () => {
    const [one, two] = [await instance(0), await instance(1)];
    const a = await createAccount(one.app.url);
    const path = `/v1/accounts/${a.accountId}/calls`;
    const sids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const call = await jsonOf(await postJson(`${one.app.url}${path}`, { to: '+14155550100', from: '+14155550199', statusCallback: receiverUrl }, a.bearer));
      sids.push(call.sid);
    }
    for (const sid of sids) {
      const [r1, r2] = await Promise.all([
        requestJson('POST', `${one.app.url}${path}/${sid}`, { status: 'end' }, a.bearer),
        requestJson('PATCH', `${two.app.url}${path}/${sid}`, { status: 'canceled' }, a.basic),
      ]);
      expect([r1.status, r2.status]).toEqual([200, 200]);
      expect(await jsonOf(r1)).toEqual(await jsonOf(r2));
    }
    expect(one.applied.ends + two.applied.ends).toBe(sids.length);
    const cdrs = await one.app.stores.cdrs.list(a.accountId, { fromMs: 0, toMs: one.clock() + HOUR }, 100);
    expect(cdrs.cdrs.map((cdr) => cdr.callSid).sort()).toEqual([...sids].sort());
    await vi.waitFor(() => expect(completedCallbacks.filter((sid) => sids.includes(sid)).sort()).toEqual([...sids].sort()), { timeout: 10_000 });
  });
});
