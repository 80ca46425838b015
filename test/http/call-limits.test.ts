/**
 * Limiter outcomes on the call routes: the create route hands RouteInput.limits to the domain,
 * and a limit_exceeded call (created here through the domain on the app's own store, since the
 * throttle decides when one is made) reads, lists, refuses moves and ends through the API as the
 * document says.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/clock.js';
import type { CallDomain } from '../../src/domains/calls/call-domain.js';
import type { CallLimits } from '../../src/domains/calls/call.js';
import { createCalls } from '../../src/domains/calls/calls.js';
import { newSid } from '../../src/domains/shared/sids.js';
import { callRoutes } from '../../src/http/api/call-routes.js';
import type { RouteInput } from '../../src/http/api-route.js';
import { jsonOf } from '../support/test-app.js';
import { createAccount, requestJson, startVoiceApp } from '../support/voice.js';

// ajv-formats is CommonJS: its default export is the function under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const REFUSED: CallLimits = { exceeded: { rule: 'calls-at-once-per-account', announceUrl: 'https://example.com/all-lines-busy.mp3' } };

describe('the createCall route', () => {
  it('records limiter outcomes and passes RouteInput.limits and leaseId to Calls.create', async () => {
    const received: unknown[][] = [];
    const calls = {
      prepare: async () => ({ from: '+14155550199', to: '+14155550100', statusCallback: null }),
      create: async (...args: unknown[]) => (received.push(args), { sid: 'CA' }),
    } as unknown as CallDomain['calls'];
    const route = callRoutes({ calls, listing: {} as CallDomain['listing'] }).find((r) => r.operationId === 'createCall')!;
    expect(route.recordsLimits).toBe(true);
    const leaseId = newSid('CA', 0);
    const input: RouteInput = { params: {}, query: {}, body: {}, caller: { accountId: 'AC1' }, admin: undefined, header: () => undefined, leaseId, limits: { carrier: 'carrier-b', ...REFUSED } };
    expect((await route.handle(input)).status).toBe(201);
    expect(received).toEqual([['AC1', { from: '+14155550199', to: '+14155550100', statusCallback: null }, leaseId, { carrier: 'carrier-b', ...REFUSED }]]);
  });
});

describe('a limit_exceeded call through the API', () => {
  it('reads, lists by status, refuses moves (409) and recordings (409), ends as it is, all as /openapi.json says', async () => {
    const app = await startVoiceApp();
    const a = await createAccount(app.url);
    const clock = app.clock as ManualClock;
    const domain = createCalls({
      repository: app.stores.calls,
      cdrs: app.stores.cdrs,
      clock,
      settings: { callPricePerMinute: '0.03000', callPriceUnit: 'USD', defaultPhoneRegion: 'US' },
      urlPolicy: { check: async () => ({ ok: false, reason: 'is not checked in this test' }) },
      callbacks: { dispatch: () => {} },
    });
    const draft = { from: '+14155550199', to: '+14155550100', statusCallback: null };
    const refused = await domain.create(a.accountId, draft, undefined, REFUSED);
    clock.advance(1_000);
    const carried = await domain.create(a.accountId, draft, undefined, { carrier: 'carrier-b' });

    const doc = await jsonOf(await fetch(`${app.url}/openapi.json`));
    const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
    ajv.addSchema(doc, 'openapi.json');
    const ONE = '/v1/accounts/{accountId}/calls/{sid}';
    const schemaOf = (path: string, method: string, status: number) =>
      ajv.getSchema(`openapi.json#/paths/${path.replaceAll('/', '~1')}/${method}/responses/${status}/content/application~1json/schema`)!;
    const conforms = (body: unknown, path: string, method: string, status: number) => {
      const validate = schemaOf(path, method, status);
      expect(validate(body), JSON.stringify({ body, errors: validate.errors })).toBe(true);
      return body;
    };

    const calls = `${app.url}/v1/accounts/${a.accountId}/calls`;
    const read = await fetch(`${calls}/${refused.sid}`, { headers: a.bearer });
    expect(read.status).toBe(200);
    expect(conforms(await jsonOf(read), ONE, 'get', 200)).toEqual(refused);
    expect(refused).toMatchObject({ status: 'limit_exceeded', announce_url: REFUSED.exceeded!.announceUrl, limit_exceeded_rule: 'calls-at-once-per-account', carrier: null, duration: '0', price: null });
    expect(conforms(await jsonOf(await fetch(`${calls}/${carried.sid}`, { headers: a.bearer })), ONE, 'get', 200)).toMatchObject({ status: 'initiated', carrier: 'carrier-b' });

    const listed = await jsonOf(await fetch(`${calls}?status=limit_exceeded`, { headers: a.bearer }));
    expect(conforms(listed, '/v1/accounts/{accountId}/calls', 'get', 200)).toEqual({ calls: [refused], nextPageToken: null });
    expect((await jsonOf(await fetch(calls, { headers: a.bearer }))).calls.map((c: { sid: string }) => c.sid)).toEqual([carried.sid, refused.sid]);

    for (const status of ['ringing', 'in-progress']) {
      const move = await requestJson('POST', `${calls}/${refused.sid}`, { status }, a.bearer);
      expect(move.status).toBe(409);
      expect((await jsonOf(move)).error.code).toBe('STATE_CONFLICT');
    }
    clock.advance(60_000);
    for (const status of ['end', 'canceled']) {
      const end = await requestJson('PATCH', `${calls}/${refused.sid}`, { status }, a.basic);
      expect(end.status).toBe(200);
      expect(conforms(await jsonOf(end), ONE, 'patch', 200)).toEqual(refused);
    }
    expect(await app.stores.cdrs.get(a.accountId, refused.sid)).toBeUndefined();
    const recording = await requestJson('POST', `${calls}/${refused.sid}/recordings`, undefined, a.bearer);
    expect(recording.status).toBe(409);
    expect((await jsonOf(recording)).error.code).toBe('CALL_ENDED');
  });
});
