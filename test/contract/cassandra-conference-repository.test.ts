import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll } from 'vitest';
import { CassandraConferenceRepository } from '../../src/store/cassandra/cassandra-conference-repository.js';
import { connectTestClient, testDomainOptions } from '../support/cassandra.js';
import { conferenceRepositoryContract } from './conference-repository.contract.js';

let client: cassandra.Client;
beforeAll(async () => {
  client = await connectTestClient();
});
afterAll(async () => {
  await client.shutdown();
});

conferenceRepositoryContract('CassandraConferenceRepository', () => new CassandraConferenceRepository(client, testDomainOptions()));
