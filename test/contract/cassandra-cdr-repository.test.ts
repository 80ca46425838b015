import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll } from 'vitest';
import { CassandraCdrRepository } from '../../src/store/cassandra/cassandra-cdr-repository.js';
import { connectTestClient, testDomainOptions } from '../support/cassandra.js';
import { cdrRepositoryContract } from './cdr-repository.contract.js';

let client: cassandra.Client;
beforeAll(async () => {
  client = await connectTestClient();
});
afterAll(async () => {
  await client.shutdown();
});

cdrRepositoryContract('CassandraCdrRepository', () => new CassandraCdrRepository(client, testDomainOptions()));
