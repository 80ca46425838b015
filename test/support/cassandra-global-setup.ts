/**
 * Global setup of the "cassandra" test project: makes sure a real node answers (starting one with
 * scripts/cassandra.mjs when none does) and creates a fresh test keyspace from cql/.
 * Without Cassandra the project fails; it never skips.
 */
import { spawnSync } from 'node:child_process';
import cassandra from 'cassandra-driver';
import { migrate } from '../../src/store/cassandra/migrate.js';
import { TEST_CONTACT_POINT, TEST_KEYSPACE, testCassandraSettings } from './cassandra.js';

async function answers(contactPoint: string): Promise<boolean> {
  const client = new cassandra.Client({
    contactPoints: [contactPoint],
    localDataCenter: 'datacenter1',
    socketOptions: { connectTimeout: 3_000, readTimeout: 5_000 },
  });
  try {
    await client.connect();
    await client.execute('SELECT release_version FROM system.local');
    return true;
  } catch {
    return false;
  } finally {
    await client.shutdown().catch(() => {});
  }
}

export default async function setup(): Promise<() => Promise<void>> {
  let startedHere = false;
  if (!(await answers(TEST_CONTACT_POINT))) {
    console.log(`[cassandra tests] no Cassandra at ${TEST_CONTACT_POINT}; starting one with scripts/cassandra.mjs`);
    const run = spawnSync(process.execPath, ['scripts/cassandra.mjs', 'start'], { stdio: 'inherit' });
    if (run.status !== 0 || !(await answers(TEST_CONTACT_POINT))) {
      throw new Error(
        `The cassandra test project needs a real Cassandra node at ${TEST_CONTACT_POINT} and could not start one ` +
          `(scripts/cassandra.mjs start exited ${run.status}). Start it with 'npm run cassandra:start' and see its output.`,
      );
    }
    startedHere = true;
  }

  const client = new cassandra.Client({ contactPoints: [TEST_CONTACT_POINT], localDataCenter: 'datacenter1' });
  await client.connect();
  // A fresh keyspace per run, so the tables always have the schema cql/ describes now.
  await client.execute(`DROP KEYSPACE IF EXISTS ${TEST_KEYSPACE}`);
  const settings = testCassandraSettings();
  await migrate(client, { keyspace: TEST_KEYSPACE, replication: settings.replication });
  await client.shutdown();

  return async () => {
    if (startedHere) spawnSync(process.execPath, ['scripts/cassandra.mjs', 'stop'], { stdio: 'inherit' });
  };
}
