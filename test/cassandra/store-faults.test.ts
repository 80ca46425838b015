import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { cassandraHealth } from '../../src/store/cassandra/cassandra-health.js';
import { CassandraSignupRepository } from '../../src/store/cassandra/cassandra-signup-repository.js';
import { consistencyLevel } from '../../src/store/cassandra/client-options.js';
import { connectTestClient, TEST_CONTACT_POINT, TEST_KEYSPACE, testCallLog, uniqueId } from '../support/cassandra.js';
import { testRule } from '../support/rules.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { jsonOf, postJson, signupStatuses, startTestApp } from '../support/test-app.js';

/**
 * Cassandra stopped or slow, seen through a proxy in front of the shared node: every decision
 * still ends (the deadline) and follows its rule's onStoreError; /healthz says 503 and comes
 * back; the service recovers without a restart.
 */
const [host, port] = TEST_CONTACT_POINT.split(':');
const proxy = new TcpProxy(host!, Number(port));
let client: cassandra.Client;

beforeAll(async () => {
  await proxy.start();
  client = await connectTestClient(proxy.address, 250);
});
afterAll(async () => {
  await proxy.setMode('pass');
  await client.shutdown();
  await proxy.stop();
});
beforeEach(async () => {
  await proxy.setMode('pass');
  await untilHealthy();
});

async function appWith(onStoreError: 'local' | 'allow' | 'deny', count = 2) {
  const rule = testRule(uniqueId(`fault-${onStoreError}`), [[count, '1h']], { onStoreError });
  return startTestApp({ rules: [rule], clock: systemClock, callLog: testCallLog(client), deadlineMs: 300, health: cassandraHealth(client, TEST_KEYSPACE, consistencyLevel('LOCAL_QUORUM'), 500) });
}

async function untilHealthy(): Promise<void> {
  const health = cassandraHealth(client, TEST_KEYSPACE, consistencyLevel('LOCAL_QUORUM'), 500);
  for (let i = 0; i < 100; i++) {
    if ((await health()).status === 'ok') return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('Cassandra did not come back through the proxy');
}

/** Retries while the answer is 503 (the store not back yet); returns the first other status. */
async function firstStatusWithin(ms: number, attempt: () => Promise<Response>): Promise<number> {
  const until = Date.now() + ms;
  for (;;) {
    const { status } = await attempt();
    if (status !== 503 || Date.now() > until) return status;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const statusesOf = (url: string, n: number, phone: string) => signupStatuses(url, Array(n).fill({ phone }));

describe.each([
  ['stopped (connections cut and refused)', 'refuse'],
  ['stalled (connections open, no answers)', 'stall'],
] as const)('when Cassandra is %s', (_, fault) => {
  it('onStoreError "local" keeps the limit on this instance', async () => {
    const app = await appWith('local', 2);
    await proxy.setMode(fault);
    expect(await statusesOf(app.url, 4, '+14155550140')).toEqual([201, 201, 429, 429]);
  });

  it('onStoreError "allow" lets requests through', async () => {
    const app = await appWith('allow', 1);
    await proxy.setMode(fault);
    expect(await statusesOf(app.url, 3, '+14155550141')).toEqual([201, 201, 201]);
  });

  it('onStoreError "deny" refuses with 503 THROTTLE_UNAVAILABLE', async () => {
    const app = await appWith('deny', 5);
    await proxy.setMode(fault);
    const response = await postJson(`${app.url}/v1/signup`, { phone: '+14155550142' });
    expect(response.status).toBe(503);
    expect((await jsonOf(response)).error.code).toBe('THROTTLE_UNAVAILABLE');
  });

  it('/healthz turns 503, and the service goes back to Cassandra when it returns', async () => {
    const app = await appWith('deny', 5);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    await proxy.setMode(fault);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(503);
    await proxy.setMode('pass');
    await untilHealthy();
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    // The driver's pool refills and the first Paxos round after the fault can outlast this
    // client's 250 ms timeout on a busy CI box, so recovery is "within seconds", not "at once".
    expect(await firstStatusWithin(10_000, () => postJson(`${app.url}/v1/signup`, { phone: '+14155550143' }))).toBe(201);
  });
});

describe('when Cassandra is gone while the signup itself is written', () => {
  it('answers 503 SERVICE_UNAVAILABLE with Retry-After, never 500', async () => {
    const signups = new CassandraSignupRepository(client, TEST_KEYSPACE, consistencyLevel('LOCAL_QUORUM'), 250);
    const rule = testRule(uniqueId('fault-signup'), [[5, '1h']], { onStoreError: 'allow' });
    const app = await startTestApp({ rules: [rule], clock: systemClock, callLog: testCallLog(client), signups, deadlineMs: 300 });
    await proxy.setMode('refuse');
    const response = await postJson(`${app.url}/v1/signup`, { phone: '+14155550144' });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect((await jsonOf(response)).error.code).toBe('SERVICE_UNAVAILABLE');
  });
});
