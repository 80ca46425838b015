import { CassandraFastCountStore } from '../../src/store/cassandra/cassandra-fast-count-store.js';
import { testDomainOptions, useTestClient } from '../support/cassandra.js';
import { fastCountStoreContract } from './fast-count-store.contract.js';

const client = useTestClient();
// A second connection: a second instance of the service.
const second = useTestClient();

// Two clients, as two instances would hold them; rows expire by Cassandra's TTL in real time
// (margin 1 s instead of 60 s, so the expiry case waits seconds, not a minute).
fastCountStoreContract('CassandraFastCountStore', () => ({
  stores: [new CassandraFastCountStore(client(), testDomainOptions(), { ttlMarginSeconds: 1 }), new CassandraFastCountStore(second(), testDomainOptions(), { ttlMarginSeconds: 1 })],
  elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}));
