/**
 * The real Cassandra node the "cassandra" test project runs against: 127.0.0.1:9042 unless
 * TOLLGATE_TEST_CASSANDRA says otherwise. Tests share one keyspace and stay apart by using
 * fresh keys and rule ids.
 */
import { randomUUID } from 'node:crypto';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll } from 'vitest';
import type { CassandraSettings } from '../../src/settings.js';
import { clientOptions, consistencyLevel } from '../../src/store/cassandra/client-options.js';
import { CassandraCallLog } from '../../src/store/cassandra/cassandra-call-log.js';
import { cassandraStores } from '../../src/store/cassandra/cassandra-stores.js';
import type { CassandraDomainOptions } from '../../src/store/cassandra/cassandra-domain-options.js';
import type { Stores } from '../../src/stores.js';

export const TEST_CONTACT_POINT = process.env.TOLLGATE_TEST_CASSANDRA ?? '127.0.0.1:9042';
/** TOLLGATE_TEST_KEYSPACE lets two suites run at once on one node without dropping each other's keyspace. */
export const TEST_KEYSPACE = process.env.TOLLGATE_TEST_KEYSPACE ?? 'tollgate_test';

export function testCassandraSettings(contactPoint = TEST_CONTACT_POINT): CassandraSettings {
  return {
    contactPoints: [contactPoint],
    localDataCenter: 'datacenter1',
    keyspace: TEST_KEYSPACE,
    replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}",
    consistency: 'LOCAL_QUORUM',
    serialConsistency: 'LOCAL_SERIAL',
    username: undefined,
    password: undefined,
    connectTimeoutMs: 30_000,
  };
}

/** A connected client built with the service's own options. Shut it down in afterAll. */
export async function connectTestClient(contactPoint = TEST_CONTACT_POINT, requestTimeoutMs = 10_000): Promise<cassandra.Client> {
  const client = new cassandra.Client(clientOptions(testCassandraSettings(contactPoint), requestTimeoutMs));
  await client.connect();
  return client;
}

export function testCallLog(client: cassandra.Client): CassandraCallLog {
  return new CassandraCallLog(client, TEST_KEYSPACE, {
    consistency: consistencyLevel('LOCAL_QUORUM'),
    serialConsistency: consistencyLevel('LOCAL_SERIAL'),
  });
}

/** A rule id no other test uses, so tests sharing the keyspace never see each other's rows. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** What the domain repositories on the test node are given. */
export function testDomainOptions(timeoutMs = 10_000): CassandraDomainOptions {
  return { keyspace: TEST_KEYSPACE, consistency: consistencyLevel('LOCAL_QUORUM'), serialConsistency: consistencyLevel('LOCAL_SERIAL'), timeoutMs };
}

/** Every store of the service on the test node, as main.ts builds them (close() shuts the client down). */
export function testStores(client: cassandra.Client): Stores {
  return cassandraStores(client, testDomainOptions());
}

/**
 * A client on the test node for the file that calls this at its top level: connected before its
 * tests, shut down after them. Call the returned function inside a test or hook.
 */
export function useTestClient(): () => cassandra.Client {
  let client: cassandra.Client | undefined;
  beforeAll(async () => {
    client = await connectTestClient();
  });
  afterAll(async () => {
    await client?.shutdown();
  });
  return () => {
    if (!client) throw new Error('useTestClient: the client is connected in beforeAll; use it inside a test or hook');
    return client;
  };
}
