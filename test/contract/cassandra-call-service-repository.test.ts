import { CassandraCallServiceRepository } from '../../src/store/cassandra/cassandra-call-service-repository.js';
import { testDomainOptions, useTestClient } from '../support/cassandra.js';
import { callServiceRepositoryContract } from './call-service-repository.contract.js';

const client = useTestClient();

callServiceRepositoryContract('CassandraCallServiceRepository', () => new CassandraCallServiceRepository(client(), testDomainOptions()));
