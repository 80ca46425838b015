/**
 * /healthz for the Cassandra store: can this service decide right now? A one-second read of one
 * (empty) partition of the calls table at the decision consistency. With RF 3 and one node down
 * that still holds; with two down, quorum is lost, decisions go to onStoreError, and health says
 * so, which a bare "SELECT FROM system.local" on any live node would not.
 */
import type cassandra from 'cassandra-driver';
import type { HealthReport } from '../../health.js';

export function cassandraHealth(client: cassandra.Client, keyspace: string, consistency: number, timeoutMs = 1_000): () => Promise<HealthReport> {
  const query = `SELECT seq FROM ${keyspace}.calls WHERE caller = ? AND api = ?`;
  return async () => {
    try {
      await client.execute(query, ['~health', '~health'], { prepare: true, consistency, readTimeout: timeoutMs, isIdempotent: true });
      return { status: 'ok', store: 'cassandra' };
    } catch {
      return { status: 'unavailable', store: 'cassandra' };
    }
  };
}
