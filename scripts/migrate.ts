/**
 * `npm run migrate`: applies cql/ to the Cassandra named by the same settings the service reads
 * (CASSANDRA_CONTACT_POINTS, CASSANDRA_KEYSPACE, CASSANDRA_REPLICATION, ...). The service also
 * does this at every start; this is for operators who prefer to run schema changes first.
 */
import cassandra from 'cassandra-driver';
import { loadSettings, SettingsError } from '../src/settings.js';
import { clientOptions } from '../src/store/cassandra/client-options.js';
import { migrate } from '../src/store/cassandra/migrate.js';

try {
  const settings = loadSettings(process.env);
  if (!settings.cassandra) {
    console.error('CASSANDRA_CONTACT_POINTS is not set: nothing to migrate (the embedded store has no schema).');
    process.exit(1);
  }
  const client = new cassandra.Client(clientOptions(settings.cassandra, 10_000));
  await client.connect();
  const applied = await migrate(client, { keyspace: settings.cassandra.keyspace, replication: settings.cassandra.replication });
  console.log(`Applied to keyspace ${settings.cassandra.keyspace}: ${applied.join(', ')}`);
  await client.shutdown();
} catch (error) {
  console.error(error instanceof SettingsError ? error.message : `migrate failed: ${(error as Error).message}`);
  process.exit(1);
}
