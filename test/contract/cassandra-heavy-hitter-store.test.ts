import { CassandraHeavyHitterStore } from '../../src/store/cassandra/cassandra-heavy-hitter-store.js';
import { testDomainOptions, useTestClient } from '../support/cassandra.js';
import { heavyHitterStoreContract } from './heavy-hitter-store.contract.js';

const client = useTestClient();

// TTLs are Cassandra's own: the TTL case waits in real time.
heavyHitterStoreContract('CassandraHeavyHitterStore', () => ({
  store: new CassandraHeavyHitterStore(client(), testDomainOptions()),
  elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}));
