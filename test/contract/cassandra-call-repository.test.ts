import { CassandraCallRepository } from '../../src/store/cassandra/cassandra-call-repository.js';
import { testDomainOptions, useTestClient } from '../support/cassandra.js';
import { callRepositoryContract } from './call-repository.contract.js';

const client = useTestClient();

callRepositoryContract('CassandraCallRepository', () => new CassandraCallRepository(client(), testDomainOptions()));
// Listing limits so tight that pages come back short: paging must still yield every match, in order.
callRepositoryContract('CassandraCallRepository scanning 3 rows and 2 days a request', () => new CassandraCallRepository(client(), testDomainOptions(), { maxScannedRows: 3, maxDaysPerPage: 2 }));
