import { CassandraAccountRepository } from '../../src/store/cassandra/cassandra-account-repository.js';
import { testDomainOptions, useTestClient } from '../support/cassandra.js';
import { accountRepositoryContract } from './account-repository.contract.js';

const client = useTestClient();

accountRepositoryContract('CassandraAccountRepository', () => new CassandraAccountRepository(client(), testDomainOptions()));
