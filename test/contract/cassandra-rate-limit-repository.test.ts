/**
 * The system document is one row per keyspace, and the Cassandra rate-limit HTTP test writes one
 * too: this file gets a keyspace of its own with the two tables it needs (documents, revision).
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll } from 'vitest';
import { CassandraRateLimitRepository } from '../../src/store/cassandra/cassandra-rate-limit-repository.js';
import { CQL_DIR, statementsOf } from '../../src/store/cassandra/migrate.js';
import { testDomainOptions, TEST_KEYSPACE, useTestClient } from '../support/cassandra.js';
import { rateLimitRepositoryContract } from './rate-limit-repository.contract.js';

const KEYSPACE = `${TEST_KEYSPACE}_rate_limit_contract`;
const client = useTestClient();

beforeAll(async () => {
  await client().execute(`DROP KEYSPACE IF EXISTS ${KEYSPACE}`);
  for (const file of ['001_keyspace.cql', '016_devices_rate_limits.cql', '020_rate_limits_revision.cql']) {
    const text = await readFile(`${CQL_DIR}/${file}`, 'utf8');
    for (const statement of statementsOf(text, { keyspace: KEYSPACE, replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}" })) await client().execute(statement);
  }
});
afterAll(async () => {
  await client().execute(`DROP KEYSPACE IF EXISTS ${KEYSPACE}`);
});

rateLimitRepositoryContract('CassandraRateLimitRepository', () => new CassandraRateLimitRepository(client(), { ...testDomainOptions(), keyspace: KEYSPACE }));
