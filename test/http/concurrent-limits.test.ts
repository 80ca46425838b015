import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { parseRules } from '../../src/rules/parse-rules.js';
import { jsonOf, TEST_HASHER, type TestAppOptions } from '../support/test-app.js';
import { countingSlotStore } from '../support/counting-slot-store.js';
import { createAccount, requestJson, startVoiceApp } from '../support/voice.js';

const CALLS = '/v1/accounts/:accountId/calls';
const JOINS = '/v1/accounts/:accountId/conferences/:sid/participants';
const concurrent = (id: string, path: string, key: string, max: number, lease = '4h', method = 'POST') =>
  parseRules('test', { rules: [{ id, match: { method, path }, key, limits: [{ kind: 'concurrent', max, lease }] }] })[0]!;

async function setUp(rules: ReturnType<typeof concurrent>[], clock = createManualClock(1_800_000_000_000), options: Partial<TestAppOptions> = {}) {
  const app = await startVoiceApp({ rules, clock, ...options });
  const account = await createAccount(app.url);
  const base = `${app.url}/v1/accounts/${account.accountId}`;
  const call = () => requestJson('POST', `${base}/calls`, { to: '+14155550100', from: '+14155550101' }, account.bearer);
  return { app, account, base, call, clock };
}

describe('a concurrent limit ({"kind": "concurrent", "max", "lease"})', () => {
  it('holds a slot per live call, refuses past max, and gives it back when the call ends (also when ended twice)', async () => {
    const { base, call, account } = await setUp([concurrent('calls-at-once', CALLS, 'param.accountId', 2)]);
    const [a, b] = [await jsonOf(await call()), await jsonOf(await call())];
    const refused = await call();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await jsonOf(refused)).error).toMatchObject({ code: 'REQUEST_LIMIT_REACHED', rule: 'calls-at-once', limit: 2, window: 'at once' });
    expect((await requestJson('PATCH', `${base}/calls/${a.sid}`, { status: 'end' }, account.bearer)).status).toBe(200);
    expect((await requestJson('PATCH', `${base}/calls/${a.sid}`, { status: 'end' }, account.bearer)).status).toBe(200);
    expect((await call()).status).toBe(201);
    expect((await call()).status).toBe(429);
    expect(b.status).toBe('initiated');
  });

  it('never throttles ending a call, even with the account at its limit', async () => {
    const { base, call, account } = await setUp([concurrent('calls-at-once', CALLS, 'param.accountId', 1)]);
    const first = await jsonOf(await call());
    expect((await call()).status).toBe(429);
    expect((await requestJson('POST', `${base}/calls/${first.sid}`, { status: 'completed' }, account.bearer)).status).toBe(200);
  });

  it('admits exactly 3 of 20 simultaneous joins to a room limited to 3, and a leave frees a slot', async () => {
    const { app, base, account } = await setUp([concurrent('joins-at-once', JOINS, 'param.sid', 3)]);
    const room = await jsonOf(await requestJson('POST', `${base}/conferences`, { friendlyName: 'room' }, account.bearer));
    const join = (n: number) => requestJson('POST', `${base}/conferences/${room.sid}/participants`, { from: `+1415555${String(1000 + n)}` }, account.bearer);
    const joins = await Promise.all(Array.from({ length: 20 }, (_, n) => join(n)));
    const admitted = joins.filter((r) => r.status === 201);
    expect(admitted).toHaveLength(3);
    expect(joins.filter((r) => r.status === 429)).toHaveLength(17);
    const partition = { caller: TEST_HASHER.hash(room.sid), api: 'joins-at-once' };
    expect(await app.stores.slots.held(partition, app.clock(), { timeoutMs: 1_000 })).toBe(3);
    const participant = await jsonOf(admitted[0]!);
    expect((await requestJson('DELETE', `${base}/conferences/${room.sid}/participants/${participant.sid}`, undefined, account.bearer)).status).toBe(200);
    expect((await join(99)).status).toBe(201);
    expect((await requestJson('PATCH', `${base}/conferences/${room.sid}`, { status: 'completed' }, account.bearer)).status).toBe(200);
    expect(await app.stores.slots.held(partition, app.clock(), { timeoutMs: 1_000 })).toBe(0);
  });

  it('gives a slot back by itself when its lease runs out (an instance that died holding it)', async () => {
    const { call, clock } = await setUp([concurrent('calls-at-once', CALLS, 'param.accountId', 1, '1m')]);
    expect((await call()).status).toBe(201);
    expect((await call()).status).toBe(429);
    clock.advance(60_001);
    expect((await call()).status).toBe(201);
  });

  it('answers a refusal within SLOT_REFUSAL_MEMORY_MS of the last without a store read, and reads again after it', async () => {
    const slots = countingSlotStore();
    const { call, clock } = await setUp([concurrent('calls-at-once', CALLS, 'param.accountId', 1)], undefined, { stores: { slots } });
    expect((await call()).status).toBe(201);
    expect((await call()).status).toBe(429);
    expect(slots.acquires).toBe(2);
    clock.advance(99);
    const remembered = await call();
    expect([remembered.status, remembered.headers.get('retry-after'), slots.acquires]).toEqual([429, '1', 2]);
    expect((await jsonOf(remembered)).error).toMatchObject({ rule: 'calls-at-once', limit: 1, window: 'at once' });
    clock.advance(1);
    expect((await call()).status).toBe(429);
    expect(slots.acquires).toBe(3);
  });

  it('reads the store for every refusal with SLOT_REFUSAL_MEMORY_MS=0', async () => {
    const slots = countingSlotStore();
    const { call } = await setUp([concurrent('calls-at-once', CALLS, 'param.accountId', 1)], undefined, { stores: { slots }, settings: { slotRefusalMemoryMs: 0 } });
    for (const status of [201, 429, 429, 429]) expect((await call()).status).toBe(status);
    expect(slots.acquires).toBe(4);
  });

  it('holds a slot for the request only on a route that creates nothing', async () => {
    const { base, account } = await setUp([concurrent('listings-at-once', CALLS, 'param.accountId', 1, '4h', 'GET')]);
    for (let i = 0; i < 3; i++) expect((await fetch(`${base}/calls`, { headers: account.bearer })).status).toBe(200);
  });

  it('refuses rule files that mix a concurrent limit with windows, or put one in shadow mode', () => {
    const rule = (extra: Record<string, unknown>) => () => parseRules('r.json', { rules: [{ id: 'x', match: { path: CALLS }, key: 'param.accountId', limits: [{ kind: 'concurrent', max: 1, lease: '1h' }], ...extra }] });
    expect(rule({ limits: [{ kind: 'concurrent', max: 1, lease: '1h' }, { count: 5, window: '1h' }] })).toThrow('r.json: $.rules[0].limits: a concurrent limit stands alone in its rule');
    expect(rule({ mode: 'shadow' })).toThrow('r.json: $.rules[0].mode: shadow mode is for limits that count requests');
    expect(rule({ limits: [{ kind: 'concurrent', max: 1, lease: 'forever' }] })).toThrow('r.json: $.rules[0].limits[0].lease: "forever" is not a duration');
  });
});
