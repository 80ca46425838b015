import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll } from 'vitest';
import { CassandraSettingsStore } from '../../src/store/cassandra/cassandra-settings-store.js';
import { migrate } from '../../src/store/cassandra/migrate.js';
import { connectTestClient, testDomainOptions, TEST_KEYSPACE } from '../support/cassandra.js';
import { settingsStoreContract } from './settings-store.contract.js';

let client: cassandra.Client;
beforeAll(async () => {
  client = await connectTestClient();
});
const keyspaces: string[] = [];
afterAll(async () => {
  for (const keyspace of keyspaces) await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  await client.shutdown();
});

// The settings table is one per keyspace (a single revision row): each case gets a keyspace of its own.
let n = 0;
settingsStoreContract('CassandraSettingsStore', async () => {
  const keyspace = `${TEST_KEYSPACE}_settings_${process.pid}_${n++}`;
  keyspaces.push(keyspace);
  await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  await migrate(client, { keyspace, replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}" });
  return new CassandraSettingsStore(client, { ...testDomainOptions(), keyspace });
});
