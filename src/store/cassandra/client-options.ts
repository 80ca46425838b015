/**
 * The cassandra-driver options tollgate runs with, in one place so that main.ts and the tests
 * build the same client. main.ts is still the only place that constructs one for the service.
 */
import cassandra from 'cassandra-driver';
import type { CassandraSettings } from '../../settings.js';

const { consistencies } = cassandra.types;

/** "LOCAL_QUORUM" -> cassandra.types.consistencies.localQuorum. */
export function consistencyLevel(name: string): number {
  const key = name.toLowerCase().replace(/_(\w)/g, (_, c: string) => c.toUpperCase()) as keyof typeof consistencies;
  const level = consistencies[key];
  if (level === undefined) throw new Error(`unknown consistency level ${name}`);
  return level;
}

export function clientOptions(config: CassandraSettings, requestTimeoutMs: number): cassandra.ClientOptions {
  return {
    contactPoints: config.contactPoints,
    localDataCenter: config.localDataCenter,
    ...(config.username ? { credentials: { username: config.username, password: config.password ?? '' } } : {}),
    queryOptions: {
      consistency: consistencyLevel(config.consistency),
      serialConsistency: consistencyLevel(config.serialConsistency),
      prepare: true,
    },
    socketOptions: { connectTimeout: 5_000, readTimeout: requestTimeoutMs },
    policies: {
      // The driver's default waits up to 10 minutes between attempts after an outage; a
      // throttle must notice a recovered node within seconds.
      reconnection: new cassandra.policies.reconnection.ExponentialReconnectionPolicy(500, 5_000, false),
    },
  };
}
