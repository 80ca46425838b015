/**
 * Global setup of the "cassandra" and "outage" test projects: makes sure a real node answers
 * (cassandra-runner.ts decides how: one already running, the Maven-jar node from
 * scripts/cassandra.mjs, or a testcontainers container where there is Docker and no JDK) and
 * creates a fresh test keyspace from cql/. Without Cassandra the projects fail; they never skip.
 * The contact point reaches the test workers through TOLLGATE_TEST_CASSANDRA (they start after).
 */
import { spawnSync } from 'node:child_process';
import cassandra from 'cassandra-driver';
import { migrate } from '../../src/store/cassandra/migrate.js';
import { chooseCassandraRunner, dockerEngineAnswers, hasJava17 } from './cassandra-runner.js';
import { TEST_KEYSPACE, testCassandraSettings } from './cassandra.js';

async function answers(contactPoint: string): Promise<boolean> {
  const client = new cassandra.Client({ contactPoints: [contactPoint], localDataCenter: 'datacenter1', socketOptions: { connectTimeout: 3_000, readTimeout: 5_000 } });
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

/** Starts what the runner needs; returns the contact point and how to stop what was started here. */
async function startCassandra(contactPoint: string): Promise<{ contactPoint: string; stop: () => Promise<void> }> {
  const runner = chooseCassandraRunner({ answers: await answers(contactPoint), java17: hasJava17(), dockerEngine: await dockerEngineAnswers() });
  if (runner === 'existing') return { contactPoint, stop: async () => {} };
  if (runner === 'jars') {
    console.log(`[cassandra tests] no Cassandra at ${contactPoint}; starting the Maven-jar node with scripts/cassandra.mjs`);
    const run = spawnSync(process.execPath, ['scripts/cassandra.mjs', 'start'], { stdio: 'inherit' });
    if (run.status !== 0 || !(await answers(contactPoint))) {
      throw new Error(`The cassandra test projects need a real Cassandra node at ${contactPoint} and could not start one (scripts/cassandra.mjs start exited ${run.status}). Start it with 'npm run cassandra:start' and see its output.`);
    }
    return { contactPoint, stop: async () => void spawnSync(process.execPath, ['scripts/cassandra.mjs', 'stop'], { stdio: 'inherit' }) };
  }
  if (runner === 'testcontainers') {
    console.log('[cassandra tests] no Cassandra answers and no JDK 17, but a Docker engine does: starting cassandra:5.0 with testcontainers');
    const { CassandraContainer } = await import('@testcontainers/cassandra');
    const container = await new CassandraContainer('cassandra:5.0').withDatacenter('datacenter1').start();
    process.env.TOLLGATE_TEST_CONTAINER_ID = container.getId();
    return { contactPoint: container.getContactPoint(), stop: async () => void (await container.stop()) };
  }
  throw new Error(`The cassandra test projects need a real Cassandra node: none answers at ${contactPoint}, there is no OpenJDK 17 for the Maven-jar node (scripts/cassandra.mjs), and no Docker engine for testcontainers.`);
}

export default async function setup(): Promise<() => Promise<void>> {
  const started = await startCassandra(process.env.TOLLGATE_TEST_CASSANDRA ?? '127.0.0.1:9042');
  process.env.TOLLGATE_TEST_CASSANDRA = started.contactPoint;

  const client = new cassandra.Client({ contactPoints: [started.contactPoint], localDataCenter: 'datacenter1' });
  await client.connect();
  // A fresh keyspace per run, so the tables always have the schema cql/ describes now.
  await client.execute(`DROP KEYSPACE IF EXISTS ${TEST_KEYSPACE}`);
  await migrate(client, { keyspace: TEST_KEYSPACE, replication: testCassandraSettings().replication });
  await client.shutdown();
  return started.stop;
}
