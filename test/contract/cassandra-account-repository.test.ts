import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll } from 'vitest';
import { CassandraAccountRepository } from '../../src/store/cassandra/cassandra-account-repository.js';
import { connectTestClient, testDomainOptions } from '../support/cassandra.js';
import { accountRepositoryContract } from './account-repository.contract.js';

let client: cassandra.Client;
beforeAll(async () => {
  client = await connectTestClient();
});
afterAll(async () => {
  await client.shutdown();
});

accountRepositoryContract('CassandraAccountRepository', () => new CassandraAccountRepository(client, testDomainOptions()));
