import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { createThrottle, type Throttle } from '../../src/engine/throttle.js';
import type { Rule } from '../../src/rules/rule.js';
import { CassandraSignupRepository } from '../../src/store/cassandra/cassandra-signup-repository.js';
import { consistencyLevel } from '../../src/store/cassandra/client-options.js';
import { MemoryCallLog } from '../../src/store/memory/memory-call-log.js';
import { CassandraResetFeed } from '../../src/store/cassandra/cassandra-reset-feed.js';
import { pollResets } from '../../src/jobs/poll-resets.js';
import { connectTestClient, TEST_KEYSPACE, testCallLog, uniqueId } from '../support/cassandra.js';
import { testRule } from '../support/rules.js';
import { jsonOf, postJson, signupStatuses, startTestApp, TEST_HASHER } from '../support/test-app.js';

const clients: cassandra.Client[] = [];
let client: cassandra.Client;
beforeAll(async () => {
  client = await connectTestClient();
  clients.push(client);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.shutdown()));
});

/** Another service instance: its own driver connection, its own in-process queues. */
async function instance(rules: ReturnType<typeof testRule>[]) {
  const own = await connectTestClient();
  clients.push(own);
  return startTestApp({ rules, clock: systemClock, callLog: testCallLog(own), deadlineMs: 10_000 });
}

/** `n` engine instances, each with its own driver connection and in-process queues and groups. */
const throttles = (n: number) =>
  Promise.all(
    Array.from({ length: n }, async () => {
      const own = await connectTestClient();
      clients.push(own);
      return createThrottle({ store: testCallLog(own), local: new MemoryCallLog(systemClock), clock: systemClock, deadlineMs: 20_000 });
    }),
  );

/** `count` simultaneous decisions for one caller, dealt round-robin over the instances. */
const burst = (instances: Throttle[], count: number, rule: Rule, caller: string) =>
  Promise.all(Array.from({ length: count }, (_, i) => instances[i % instances.length]!.check([{ rule, partition: { caller, api: rule.id } }])));

/** Rows of a partition; `key` is the raw key, `hashed: false` for callers given to the engine directly. */
const rowsOf = async (key: string, api: string, hashed = true) =>
  (await client.execute(`SELECT time FROM ${TEST_KEYSPACE}.calls WHERE caller = ? AND api = ?`, [hashed ? TEST_HASHER.hash(key) : key, api], { prepare: true })).rows.filter(
    (row) => row.get('time') !== null,
  ).length;

const phoneFor = (n: number) => `+1415555${String(1000 + (n % 9000)).padStart(4, '0')}`;
let nextPhone = Math.floor(Math.random() * 9000);
const freshPhone = () => phoneFor(nextPhone++);

describe('the throttle on a real Cassandra node', () => {
  it('admits exactly 5 of 50 simultaneous requests for one phone number', async () => {
    const rule = testRule(uniqueId('exact'), [[5, '1h'], [30, '24h']]);
    const app = await instance([rule]);
    const phone = freshPhone();
    const responses = await Promise.all(Array.from({ length: 50 }, () => postJson(`${app.url}/v1/signup`, { phone })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(45);
    expect(await rowsOf(phone, rule.id)).toBe(5);
  });

  it('admits exactly 7 of 60 simultaneous requests spread over two instances sharing Cassandra', async () => {
    const rule = testRule(uniqueId('two'), [[7, '1h']]);
    const [a, b] = [await instance([rule]), await instance([rule])];
    const phone = freshPhone();
    const responses = await Promise.all(Array.from({ length: 60 }, (_, i) => postJson(`${(i % 2 ? a : b).url}/v1/signup`, { phone })));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(7);
    expect(await rowsOf(phone, rule.id)).toBe(7);
  });

  it('admits exactly 10 of 200 simultaneous decisions made by four instances', async () => {
    const rule = testRule(uniqueId('four'), [[10, '1h']]);
    const caller = uniqueId('caller');
    const verdicts = await burst(await throttles(4), 200, rule, caller);
    expect(verdicts.every((v) => v.via === 'store')).toBe(true);
    expect(verdicts.filter((v) => v.admitted)).toHaveLength(10);
    expect(await rowsOf(caller, rule.id, false)).toBe(10);
  });

  it('admits exactly 60 of 150 made by two instances, several conditional batches of up to 25 rows each (group commit)', async () => {
    const rule = testRule(uniqueId('group'), [[60, '1h']]);
    const caller = uniqueId('caller');
    const verdicts = await burst(await throttles(2), 150, rule, caller);
    expect(verdicts.every((v) => v.via === 'store')).toBe(true);
    expect(verdicts.filter((v) => v.admitted)).toHaveLength(60);
    expect(await rowsOf(caller, rule.id, false)).toBe(60);
    // Each admission's rows landed whole: the version moved once per batch, far fewer than 60 times.
    const seq = (await client.execute(`SELECT seq FROM ${TEST_KEYSPACE}.calls WHERE caller = ? AND api = ? LIMIT 1`, [caller, rule.id], { prepare: true })).first();
    expect(Number(seq?.get('seq'))).toBeGreaterThanOrEqual(60 / 25);
    expect(Number(seq?.get('seq'))).toBeLessThan(60);
  });

  it('still holds the limit after the service restarts', async () => {
    const rule = testRule(uniqueId('restart'), [[5, '1h']]);
    const phone = freshPhone();
    const before = await instance([rule]);
    for (let i = 0; i < 5; i++) expect((await postJson(`${before.url}/v1/signup`, { phone })).status).toBe(201);
    await before.close();
    const after = await instance([rule]);
    const denied = await postJson(`${after.url}/v1/signup`, { phone });
    expect(denied.status).toBe(429);
    expect(Number(denied.headers.get('retry-after'))).toBeGreaterThan(3_500);
  });

  it('counts only admitted requests: a request denied by the email rule leaves no row under the phone rule', async () => {
    const byPhone = testRule(uniqueId('phone'), [[5, '1h']]);
    const byEmail = testRule(uniqueId('email'), [[1, '1h']], { key: 'body.email', normalize: 'email' });
    const app = await instance([byPhone, byEmail]);
    const phone = freshPhone();
    expect((await postJson(`${app.url}/v1/signup`, { phone, email: 'a@example.com' })).status).toBe(201);
    expect((await postJson(`${app.url}/v1/signup`, { phone, email: 'a@example.com' })).status).toBe(429);
    expect(await rowsOf(phone, byPhone.id)).toBe(1);
  });

  it('writes rows with a TTL of the longest window plus a margin', async () => {
    const rule = testRule(uniqueId('ttl'), [[5, '1h'], [30, '24h']]);
    const app = await instance([rule]);
    const phone = freshPhone();
    await postJson(`${app.url}/v1/signup`, { phone });
    const row = (await client.execute(`SELECT ttl(seq) AS ttl FROM ${TEST_KEYSPACE}.calls WHERE caller = ? AND api = ?`, [TEST_HASHER.hash(phone), rule.id], { prepare: true })).first();
    expect(row.get('ttl')).toBeGreaterThan(86_400);
    expect(row.get('ttl')).toBeLessThanOrEqual(86_460);
  });

  it('stores the signup in Cassandra with the phone in E.164', async () => {
    const rule = testRule(uniqueId('store'), [[5, '1h']]);
    const signups = new CassandraSignupRepository(client, TEST_KEYSPACE, consistencyLevel('LOCAL_QUORUM'), 5_000);
    const app = await startTestApp({ rules: [rule], clock: systemClock, callLog: testCallLog(client), signups });
    const response = await postJson(`${app.url}/v1/signup`, { phone: '(415) 555-0199', email: 'Bob@Example.com', name: 'Bob' });
    expect(response.status).toBe(201);
    const body = await jsonOf(response);
    expect(await signups.get(body.id)).toMatchObject({ phone: '+14155550199', email: 'bob@example.com', name: 'Bob' });
  });

  it('writes nothing for a refused body', async () => {
    const rule = testRule(uniqueId('bad'), [[5, '1h']]);
    const app = await instance([rule]);
    const response = await postJson(`${app.url}/v1/signup`, { phone: '+14155550123', extra: 1 });
    expect(response.status).toBe(400);
    expect(await rowsOf('+14155550123', rule.id)).toBe(0);
  });
});

describe('what the calls table holds', () => {
  it('never holds a raw phone number or email: callers are keyed hashes', async () => {
    const byPhone = testRule(uniqueId('pii-phone'), [[5, '1h']]);
    const byEmail = testRule(uniqueId('pii-email'), [[5, '1h']], { key: 'body.email', normalize: 'email', stripPlusTag: true });
    const app = await instance([byPhone, byEmail]);
    const phone = freshPhone();
    expect((await postJson(`${app.url}/v1/signup`, { phone, email: 'Carol+x@Example.com' })).status).toBe(201);

    // Every row of the table, page by page.
    const rows: cassandra.types.Row[] = [];
    // The driver's ResultStream is a Readable (async-iterable), though its typings say EventEmitter.
    const stream = client.stream(`SELECT caller, api FROM ${TEST_KEYSPACE}.calls`, [], { fetchSize: 1000 }) as unknown as AsyncIterable<cassandra.types.Row>;
    for await (const row of stream) rows.push(row);
    const ours = rows.filter((row) => row.get('api') === byPhone.id || row.get('api') === byEmail.id);
    expect(ours.map((row) => row.get('caller')).sort()).toEqual([TEST_HASHER.hash(phone), TEST_HASHER.hash('carol@example.com')].sort());
    const digits = phone.slice(2);
    const leaks = rows.map((row) => String(row.get('caller'))).filter((caller) => caller.includes(digits) || caller.toLowerCase().includes('carol'));
    expect(leaks).toEqual([]);
  });
});

describe('an operator reset across instances', () => {
  it('reaches the partition cache of another instance through the limit_resets feed', async () => {
    const rule = testRule(uniqueId('reset'), [[2, '1h']]);
    const feedOf = (c: cassandra.Client) => new CassandraResetFeed(c, TEST_KEYSPACE, consistencyLevel('LOCAL_QUORUM'), 5_000);
    const ownA = await connectTestClient();
    const ownB = await connectTestClient();
    clients.push(ownA, ownB);
    const token = 'admin-token-for-tests-0123456789';
    const a = await startTestApp({ rules: [rule], clock: systemClock, callLog: testCallLog(ownA), resetFeed: feedOf(ownA), adminToken: token });
    const feedB = feedOf(ownB);
    const b = await startTestApp({ rules: [rule], clock: systemClock, callLog: testCallLog(ownB), resetFeed: feedB });
    const phone = freshPhone();
    expect(await signupStatuses(b.url, Array(4).fill({ phone }))).toEqual([201, 201, 429, 429]);
    await feedB.poll(systemClock()); // B has caught up with the feed before the reset

    const reset = await postJson(`${a.url}/v1/admin/limits/reset`, { rule: rule.id, key: phone }, { authorization: `Bearer ${token}` });
    expect(reset.status).toBe(200);
    // Until B polls, its cache still holds the calls that filled the window.
    expect((await postJson(`${b.url}/v1/signup`, { phone })).status).toBe(429);
    await pollResets(feedB, b.throttle, systemClock);
    expect((await postJson(`${b.url}/v1/signup`, { phone })).status).toBe(201);
    expect(await rowsOf(phone, rule.id)).toBe(3);
  });
});
