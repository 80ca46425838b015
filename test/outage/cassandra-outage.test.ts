/**
 * The real node stopped and started again under a running service (issue 5, point 5). Runs in
 * its own vitest project after every other Cassandra test, because it takes the shared node away.
 */
import type cassandra from 'cassandra-driver';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { writeBackFallback } from '../../src/jobs/write-back-fallback.js';
import { cassandraHealth } from '../../src/store/cassandra/cassandra-health.js';
import { consistencyLevel } from '../../src/store/cassandra/client-options.js';
import { MemoryCallLog } from '../../src/store/memory/memory-call-log.js';
import { connectTestClient, TEST_KEYSPACE, testCallLog, uniqueId } from '../support/cassandra.js';
import { testRule } from '../support/rules.js';
import { testNode } from '../support/test-node.js';
import { jsonOf, postJson, startTestApp, TEST_HASHER } from '../support/test-app.js';

const cassandraScript = testNode;

let client: cassandra.Client;
beforeAll(async () => {
  client = await connectTestClient(undefined, 1_000);
});
afterAll(async () => {
  await cassandraScript('start'); // whatever happened, leave the node up for whoever comes next
  await client.shutdown();
});

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('Cassandra stopped and started under a running service', () => {
  it('keeps deciding through the outage, turns /healthz 503 and back, and loses nothing admitted', async () => {
    const rule = testRule(uniqueId('outage'), [[4, '1h']], { onStoreError: 'local' });
    const local = new MemoryCallLog(systemClock);
    const store = testCallLog(client);
    const app = await startTestApp({ rules: [rule], clock: systemClock, callLog: store, local, deadlineMs: 300, health: cassandraHealth(client, TEST_KEYSPACE, consistencyLevel('LOCAL_QUORUM'), 500) });
    const phone = '+14155550160';
    const signup = () => postJson(`${app.url}/v1/signup`, { phone });

    expect((await signup()).status).toBe(201);

    await cassandraScript('stop');
    expect((await fetch(`${app.url}/healthz`)).status).toBe(503);
    // The local fallback continues from the call this instance saw stored before: 3 more fit under 4.
    const during = [];
    for (let i = 0; i < 5; i++) during.push((await signup()).status);
    expect(during).toEqual([201, 201, 201, 429, 429]);
    expect(local.pending()).toHaveLength(3);

    await cassandraScript('start');
    await until(async () => (await fetch(`${app.url}/healthz`)).status === 200, '/healthz to answer 200');
    await writeBackFallback(local, store, systemClock, pino({ level: 'silent' }));
    expect(local.pending()).toHaveLength(0);

    const rows = await client.execute(`SELECT time FROM ${TEST_KEYSPACE}.calls WHERE caller = ? AND api = ?`, [TEST_HASHER.hash(phone), rule.id], { prepare: true });
    expect(rows.rows.filter((row) => row.get('time') !== null)).toHaveLength(4);
    const after = await signup();
    expect(after.status).toBe(429);
    expect((await jsonOf(after)).error.rule).toBe(rule.id);
  });
});
