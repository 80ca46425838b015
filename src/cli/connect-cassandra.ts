/**
 * The CLI's Cassandra connection: built with the service's own client options, schema applied
 * with the service's migrate (idempotent), every store from cassandraStores. Unlike the service,
 * which keeps retrying for CASSANDRA_CONNECT_TIMEOUT_MS at start-up, an operator's command tries
 * once and says so: exit 3.
 *
 * This is the second place besides src/main.ts that constructs a cassandra-driver Client: the
 * CLI is a composition root of its own (a separate process), and a client cannot be handed to it.
 */
import cassandra from 'cassandra-driver';
import type { CassandraSettings } from '../settings.js';
import type { Stores } from '../stores.js';
import { clientOptions, consistencyLevel } from '../store/cassandra/client-options.js';
import { cassandraStores } from '../store/cassandra/cassandra-stores.js';
import { migrate } from '../store/cassandra/migrate.js';
import { StoreUnreachableError } from './cli-errors.js';

export async function connectCassandra(config: CassandraSettings, requestTimeoutMs: number): Promise<Stores> {
  const client = new cassandra.Client(clientOptions(config, requestTimeoutMs));
  const where = `Cassandra at ${config.contactPoints.join(', ')} (keyspace ${config.keyspace})`;
  try {
    await client.connect();
    await migrate(client, { keyspace: config.keyspace, replication: config.replication });
  } catch (error) {
    await client.shutdown().catch(() => undefined);
    throw new StoreUnreachableError(`cannot reach ${where}`, error);
  }
  return cassandraStores(client, {
    keyspace: config.keyspace,
    consistency: consistencyLevel(config.consistency),
    serialConsistency: consistencyLevel(config.serialConsistency),
    timeoutMs: requestTimeoutMs,
  });
}
