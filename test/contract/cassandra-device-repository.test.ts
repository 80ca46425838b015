import { CassandraDeviceRepository } from '../../src/store/cassandra/cassandra-device-repository.js';
import { testDomainOptions, useTestClient } from '../support/cassandra.js';
import { deviceRepositoryContract } from './device-repository.contract.js';

const client = useTestClient();

deviceRepositoryContract('CassandraDeviceRepository', () => new CassandraDeviceRepository(client(), testDomainOptions()));
