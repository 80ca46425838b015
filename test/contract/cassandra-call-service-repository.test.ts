import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll } from 'vitest';
import { CassandraCallServiceRepository } from '../../src/store/cassandra/cassandra-call-service-repository.js';
import { connectTestClient, testDomainOptions } from '../support/cassandra.js';
import { callServiceRepositoryContract } from './call-service-repository.contract.js';

let client: cassandra.Client;
beforeAll(async () => {
  client = await connectTestClient();
});
afterAll(async () => {
  await client.shutdown();
});

callServiceRepositoryContract('CassandraCallServiceRepository', () => new CassandraCallServiceRepository(client, testDomainOptions()));
