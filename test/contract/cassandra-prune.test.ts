import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { cassandraStores } from '../../src/store/cassandra/cassandra-stores.js';
import { migrate } from '../../src/store/cassandra/migrate.js';
import { connectTestClient, testDomainOptions, TEST_KEYSPACE } from '../support/cassandra.js';
import { pruneContract } from './prune.contract.js';

let client: cassandra.Client;
const keyspaces: string[] = [];
beforeAll(async () => {
  client = await connectTestClient();
});
afterAll(async () => {
  for (const keyspace of keyspaces) await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  await client.shutdown();
});

// prune_rules is one table per keyspace: each case gets a keyspace of its own.
let n = 0;
pruneContract('Cassandra', async () => {
  const keyspace = `${TEST_KEYSPACE}_prune_${process.pid}_${n++}`;
  keyspaces.push(keyspace);
  await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  await migrate(client, { keyspace, replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}" });
  const stores = cassandraStores(client, { ...testDomainOptions(), keyspace });
  return { log: stores.callLog, maintenance: stores.maintenance, clock: systemClock };
});
