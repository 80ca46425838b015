/**
 * Carrier selection on the real node from two instances (each its own client and app): calls
 * placed at once take carriers in succession exactly up to each carrier's max, the rest are
 * refused 503 ALL_CARRIERS_BUSY (or, under an onLimit rule, created limit_exceeded holding no
 * carrier), and a call that ends frees its carrier for a call placed through the other instance:
 * at once when that instance refused nothing within SLOT_REFUSAL_MEMORY_MS, otherwise once the
 * memory has passed (it answers a flood on full carriers without a read).
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { carrierPartition } from '../../src/engine/limiters/carrier-limiter.js';
import { parseRules } from '../../src/rules/parse-rules.js';
import { uniqueId } from '../support/cassandra.js';
import { jsonOf, TEST_HASHER, type TestApp } from '../support/test-app.js';
import { createAccount, requestJson, type TestAccount } from '../support/voice.js';
import { atOnce, outlastRefusalMemory, startInstances, tally } from './two-instances.js';

const CALLS = '/v1/accounts/:accountId/calls';
const ANNOUNCE = 'https://media.example.com/all-lines-busy.wav';
const CARRIERS = [{ name: 'carrier-a', max: 2 }, { name: 'carrier-b', max: 3 }];
const call = { to: '+14155550100', from: '+14155550199' };

function carriersRule(id: string, extra: Record<string, unknown> = {}) {
  // deny: a store failure is a 503 THROTTLE_UNAVAILABLE, never a call let through without a carrier.
  return { id, match: { method: 'POST', path: CALLS }, key: 'param.accountId', limits: [{ kind: 'carriers', carriers: CARRIERS, lease: '1h' }], onStoreError: 'deny', ...extra };
}

async function setUp(rules: unknown[]) {
  const apps = await startInstances({ rules: parseRules('test', { rules }), clock: systemClock });
  const account = await createAccount(apps[0]!.url);
  const calls = (app: TestApp) => `${app.url}/v1/accounts/${account.accountId}/calls`;
  const place = async (app: TestApp) => {
    const response = await requestJson('POST', calls(app), call, account.bearer);
    return { status: response.status, body: await jsonOf(response) };
  };
  return { apps, account, calls, place };
}

/** Calls held on a carrier right now, read from the slot store (the truth both instances share). */
function held(app: TestApp, ruleId: string, account: TestAccount, carrier: string): Promise<number> {
  const partition = carrierPartition({ api: ruleId, caller: TEST_HASHER.hash(account.accountId) }, carrier);
  return app.stores.slots.held(partition, systemClock(), { timeoutMs: 10_000 });
}

describe('carriers on Cassandra, two instances', () => {
  it('12 calls at once: exactly 2 on carrier-a and 3 on carrier-b, 7 refused ALL_CARRIERS_BUSY; an end on b frees b at once for the other instance', async () => {
    const id = uniqueId('carriers');
    const { apps, account, calls, place } = await setUp([carriersRule(id)]);
    const [a, b] = apps as [TestApp, TestApp];
    const results = await atOnce(apps, 12, place);

    const created = results.filter((r) => r.status === 201).map((r) => r.body);
    expect(tally(created.map((c) => c.carrier))).toEqual([['carrier-a', 2], ['carrier-b', 3]]);
    expect(created.every((c) => c.status === 'initiated')).toBe(true);
    const refused = results.filter((r) => r.status !== 201);
    expect(refused.map((r) => [r.status, r.body.error.code])).toEqual(Array.from({ length: 7 }, () => [503, 'ALL_CARRIERS_BUSY']));
    expect([await held(a, id, account, 'carrier-a'), await held(b, id, account, 'carrier-b')]).toEqual([2, 3]);

    // A call on b ends through one instance; the next call, through the other, gets b at once (a is
    // still full): its refusals in the burst are older than the memory by then.
    await outlastRefusalMemory();
    const onB = created.find((c) => c.carrier === 'carrier-b');
    expect((await requestJson('PATCH', `${calls(a)}/${onB.sid}`, { status: 'end' }, account.bearer)).status).toBe(200);
    const next = await place(b);
    expect(next).toMatchObject({ status: 201, body: { status: 'initiated', carrier: 'carrier-b' } });
    expect((await place(a)).body.error.code).toBe('ALL_CARRIERS_BUSY');
    expect([await held(b, id, account, 'carrier-a'), await held(a, id, account, 'carrier-b')]).toEqual([2, 3]);
  });

  it('under onLimit, the calls over the carriers are created limit_exceeded (201) with the announcement and hold no carrier; an end frees a carrier for the other instance after the memory', async () => {
    const id = uniqueId('carriers-announce');
    const { apps, account, calls, place } = await setUp([carriersRule(id, { onLimit: { announceUrl: ANNOUNCE } })]);
    const [a, b] = apps as [TestApp, TestApp];
    const results = await atOnce(apps, 12, place);

    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 12 }, () => 201));
    const bodies = results.map((r) => r.body);
    const carried = bodies.filter((c) => c.status === 'initiated');
    expect(tally(carried.map((c) => c.carrier))).toEqual([['carrier-a', 2], ['carrier-b', 3]]);
    const announced = bodies.filter((c) => c.status !== 'initiated');
    expect(announced).toHaveLength(7);
    for (const c of announced) expect(c).toMatchObject({ status: 'limit_exceeded', carrier: null, announce_url: ANNOUNCE, limit_exceeded_rule: id, price: null });
    expect([await held(a, id, account, 'carrier-a'), await held(b, id, account, 'carrier-b')]).toEqual([2, 3]);

    // One carried call ends: exactly one carrier slot is free (the 7 announced calls hold none).
    const onA = carried.find((c) => c.carrier === 'carrier-a');
    expect((await requestJson('POST', `${calls(b)}/${onA.sid}`, { status: 'end' }, account.bearer)).status).toBe(200);
    // a may still remember the carriers full from the burst: its next call gets carrier-a once that memory has passed.
    await outlastRefusalMemory();
    expect((await place(a)).body).toMatchObject({ status: 'initiated', carrier: 'carrier-a' });
    expect((await place(b)).body).toMatchObject({ status: 'limit_exceeded', carrier: null });
  });

  it('a call refused by a later rule with onLimit gives back the carrier it had taken', async () => {
    const carriersId = uniqueId('carriers');
    const windowId = uniqueId('calls-per-hour');
    const { apps, account, place } = await setUp([
      carriersRule(carriersId),
      { id: windowId, match: { method: 'POST', path: CALLS }, key: 'param.accountId', limits: [{ count: 3, window: '1h' }], onStoreError: 'deny', onLimit: { announceUrl: ANNOUNCE } },
    ]);
    const [a, b] = apps as [TestApp, TestApp];
    // Five calls fit the carriers (2 + 3), so every one takes a carrier before the window decides: no carrier refusal.
    const results = await atOnce(apps, 5, place);
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    const bodies = results.map((r) => r.body);
    expect(bodies.filter((c) => c.status === 'initiated' && c.carrier !== null)).toHaveLength(3);
    const announced = bodies.filter((c) => c.status === 'limit_exceeded');
    expect(announced).toHaveLength(2);
    for (const c of announced) expect(c).toMatchObject({ carrier: null, announce_url: ANNOUNCE, limit_exceeded_rule: windowId });
    // The window's two refusals took a carrier first, then gave it back: 3 held, one per initiated call.
    expect((await held(a, carriersId, account, 'carrier-a')) + (await held(b, carriersId, account, 'carrier-b'))).toBe(3);
  });
});
