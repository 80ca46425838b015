/**
 * How the domain repositories talk to Cassandra: every statement prepared, at the configured
 * consistency and timeout, idempotent unless a caller says otherwise (compare-and-set writes),
 * and a driver failure turned into 503 SERVICE_UNAVAILABLE naming what could not be reached.
 */
import type cassandra from 'cassandra-driver';
import { serviceUnavailable } from '../../errors.js';
import type { CassandraDomainOptions } from './cassandra-domain-options.js';

export type RunQuery = (query: string, params: unknown[], extra?: cassandra.QueryOptions) => Promise<cassandra.types.ResultSet>;

/** `what` names the data in the 503's message ("Calls cannot be reached right now"). */
export function queryRunner(client: cassandra.Client, options: CassandraDomainOptions, what: string): RunQuery {
  return async (query, params, extra = {}) => {
    try {
      return await client.execute(query, params, { prepare: true, consistency: options.consistency, readTimeout: options.timeoutMs, isIdempotent: true, ...extra });
    } catch (error) {
      throw serviceUnavailable(what, error);
    }
  };
}
