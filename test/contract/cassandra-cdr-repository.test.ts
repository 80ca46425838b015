import { CassandraCdrRepository } from '../../src/store/cassandra/cassandra-cdr-repository.js';
import { testDomainOptions, useTestClient } from '../support/cassandra.js';
import { cdrRepositoryContract } from './cdr-repository.contract.js';

const client = useTestClient();

cdrRepositoryContract('CassandraCdrRepository', () => new CassandraCdrRepository(client(), testDomainOptions()));
