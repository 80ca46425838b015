import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll } from 'vitest';
import { connectTestClient, testCallLog } from '../support/cassandra.js';
import { callLogContract } from './call-log.contract.js';

let client: cassandra.Client;
beforeAll(async () => {
  client = await connectTestClient();
});
afterAll(async () => {
  await client.shutdown();
});

// TTLs are Cassandra's own: the TTL case waits in real time.
callLogContract('CassandraCallLog', () => ({
  log: testCallLog(client),
  elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}));
