/**
 * Heavy hitters on the real node, two instances sharing it: each counts what it decided, both
 * publish their summaries, and either one's GET /v1/admin/top merges them. The flooding caller
 * found there is reset by its partition key through the other instance.
 */
import { randomInt } from 'node:crypto';
import type cassandra from 'cassandra-driver';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { pollResets } from '../../src/jobs/poll-resets.js';
import { publishHeavyHitters } from '../../src/jobs/publish-heavy-hitters.js';
import { connectTestClient, testStores, uniqueId } from '../support/cassandra.js';
import { testRule } from '../support/rules.js';
import { jsonOf, postJson, signupStatuses, startTestApp, TEST_HASHER } from '../support/test-app.js';

const TOKEN = 'admin-token-for-tests-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const clients: cassandra.Client[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.shutdown()));
});

/** A service instance: its own driver connection, every store on Cassandra. */
async function instance(rule: ReturnType<typeof testRule>) {
  const client = await connectTestClient();
  clients.push(client);
  const stores = testStores(client);
  const app = await startTestApp({ rules: [rule], adminToken: TOKEN, clock: systemClock, stores, deadlineMs: 10_000 });
  return { app, stores, publish: () => publishHeavyHitters(app.composed.heavyHitters, stores.heavyHitters, systemClock) };
}

describe('heavy hitters on Cassandra, two instances', () => {
  it('merges what both published, and the flooding caller is reset by its hash through the other instance', async () => {
    const rule = testRule(uniqueId('top-phone'), [[5, '1h']]);
    const [a, b] = [await instance(rule), await instance(rule)];
    const phone = `+1415555${String(randomInt(1000, 9999))}`;
    const other = `+1415556${String(randomInt(1000, 9999))}`;
    expect(await signupStatuses(a.app.url, Array(8).fill({ phone }))).toEqual([201, 201, 201, 201, 201, 429, 429, 429]);
    expect(await signupStatuses(b.app.url, Array(4).fill({ phone }))).toEqual([429, 429, 429, 429]);
    expect(await signupStatuses(b.app.url, Array(2).fill({ phone: other }))).toEqual([201, 201]);
    // One summary per window and side at least (more if a bucket boundary passed meanwhile).
    expect(await a.publish()).toBeGreaterThanOrEqual(3 * 2);
    expect(await b.publish()).toBeGreaterThanOrEqual(3 * 2);

    for (const reader of [a, b]) {
      const report = await jsonOf(await fetch(`${reader.app.url}/v1/admin/top?rule=${rule.id}&window=1h&k=5`, { headers: auth }));
      expect(report).toMatchObject({
        rule: rule.id,
        instances: 2,
        refused: [{ caller: TEST_HASHER.hash(phone), count: 7, error: 0 }],
        admitted: [{ caller: TEST_HASHER.hash(phone), count: 5, error: 0 }, { caller: TEST_HASHER.hash(other), count: 2, error: 0 }],
      });
    }

    const caller = TEST_HASHER.hash(phone);
    const reset = await postJson(`${b.app.url}/v1/admin/limits/reset`, { rule: rule.id, caller }, auth);
    expect(reset.status).toBe(200);
    // a drops what it cached of the caller once it polls the reset feed, as its job does every second.
    await pollResets(a.stores.resetFeed, a.app.throttle, systemClock);
    expect(await signupStatuses(a.app.url, [{ phone }])).toEqual([201]);
    expect(await jsonOf(await fetch(`${a.app.url}/v1/admin/limits?rule=${rule.id}&caller=${caller}`, { headers: auth }))).toMatchObject({ partitions: [{ caller, version: expect.any(Number) }], next: 'admitted' });
  });
});
