import { CassandraConferenceRepository } from '../../src/store/cassandra/cassandra-conference-repository.js';
import { testDomainOptions, useTestClient } from '../support/cassandra.js';
import { conferenceRepositoryContract } from './conference-repository.contract.js';

const client = useTestClient();

conferenceRepositoryContract('CassandraConferenceRepository', () => new CassandraConferenceRepository(client(), testDomainOptions()));
