/**
 * The concurrent limiter on the real node from two instances: a room limited to 3 participants
 * admits exactly 3 of 20 simultaneous joins spread over both, a leave through one instance frees
 * a slot for the other, and ending a call on one instance frees its account's call slot there.
 * An instance that found the partition full remembers it for SLOT_REFUSAL_MEMORY_MS: a slot freed
 * through the other is taken through it at once when it refused nothing within that memory, and
 * otherwise once the memory has passed (at once, always, with the memory off).
 */
import type cassandra from 'cassandra-driver';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { parseRules } from '../../src/rules/parse-rules.js';
import { connectTestClient, testStores, uniqueId } from '../support/cassandra.js';
import { jsonOf, type TestAppOptions } from '../support/test-app.js';
import { createAccount, requestJson, startVoiceApp } from '../support/voice.js';
import { outlastRefusalMemory } from './two-instances.js';

const clients: cassandra.Client[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.shutdown()));
});

async function instances(rules: ReturnType<typeof parseRules>, settings: TestAppOptions['settings'] = {}) {
  return Promise.all(
    [1, 2].map(async () => {
      const client = await connectTestClient();
      clients.push(client);
      return startVoiceApp({ rules, clock: systemClock, stores: testStores(client), settings });
    }),
  );
}

const callRule = () => parseRules('test', { rules: [{ id: uniqueId('calls'), match: { method: 'POST', path: '/v1/accounts/:accountId/calls' }, key: 'param.accountId', limits: [{ kind: 'concurrent', max: 1, lease: '1h' }] }] });

/** An account's one call slot taken through a, refused through b, and the call ended through a. */
async function endedAfterRefusal(settings: TestAppOptions['settings'] = {}) {
  const [a, b] = await instances(callRule(), settings);
  const account = await createAccount(a!.url);
  const calls = (app: typeof a) => `${app!.url}/v1/accounts/${account.accountId}/calls`;
  const body = { to: '+14155550100', from: '+14155550101' };
  const first = await requestJson('POST', calls(a), body, account.bearer);
  expect(first.status).toBe(201);
  expect((await requestJson('POST', calls(b), body, account.bearer)).status).toBe(429);
  expect((await requestJson('PATCH', `${calls(a)}/${(await jsonOf(first)).sid}`, { status: 'end' }, account.bearer)).status).toBe(200);
  return () => requestJson('POST', calls(b), body, account.bearer);
}

describe('concurrent limits on Cassandra, two instances', () => {
  it('admits exactly 3 of 20 simultaneous joins to a room limited to 3; a leave frees one slot, taken at once through the other instance when its refusals are older than the memory', async () => {
    const rules = parseRules('test', { rules: [{ id: uniqueId('joins'), match: { method: 'POST', path: '/v1/accounts/:accountId/conferences/:sid/participants' }, key: 'param.sid', limits: [{ kind: 'concurrent', max: 3, lease: '1h' }] }] });
    const [a, b] = await instances(rules);
    const account = await createAccount(a!.url);
    const path = (app: typeof a) => `${app!.url}/v1/accounts/${account.accountId}/conferences`;
    const room = await jsonOf(await requestJson('POST', path(a), { friendlyName: uniqueId('room') }, account.bearer));
    const join = (app: typeof a, n: number) => requestJson('POST', `${path(app)}/${room.sid}/participants`, { from: `+1415555${String(2000 + n)}` }, account.bearer);
    const joins = await Promise.all(Array.from({ length: 20 }, (_, n) => join(n % 2 ? a : b, n)));
    const admitted = joins.filter((r) => r.status === 201);
    expect(admitted).toHaveLength(3);
    expect(joins.filter((r) => r.status === 429)).toHaveLength(17);
    const one = await jsonOf(admitted[0]!);
    // Both refused joins in the burst; once that is older than the memory, b takes the freed slot at once.
    await outlastRefusalMemory();
    expect((await requestJson('DELETE', `${path(a)}/${room.sid}/participants/${one.sid}`, undefined, account.bearer)).status).toBe(200);
    expect((await join(b, 98)).status).toBe(201);
    expect((await join(a, 99)).status).toBe(429);
  });

  it('frees an account\'s call slot on the other instance when a call ends, once the refusal there is older than the memory', async () => {
    const placeThroughB = await endedAfterRefusal();
    await outlastRefusalMemory();
    expect((await placeThroughB()).status).toBe(201);
  });

  it('with SLOT_REFUSAL_MEMORY_MS=0, frees the slot on the other instance at once, even right after a refusal there', async () => {
    const placeThroughB = await endedAfterRefusal({ slotRefusalMemoryMs: 0 });
    expect((await placeThroughB()).status).toBe(201);
  });
});
