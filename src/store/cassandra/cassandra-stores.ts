/** Every repository on one connected cassandra-driver Client (built by main.ts or a test). */
import type cassandra from 'cassandra-driver';
import type { Stores } from '../../stores.js';
import { CassandraCallLog } from './cassandra-call-log.js';
import { CassandraCallLogMaintenance } from './cassandra-call-log-maintenance.js';
import { CassandraPartitionRegistry } from './cassandra-partition-registry.js';
import { CassandraResetFeed } from './cassandra-reset-feed.js';
import { CassandraSignupRepository } from './cassandra-signup-repository.js';
import { CassandraAccountRepository } from './cassandra-account-repository.js';
import { cassandraHealth } from './cassandra-health.js';
import type { CassandraDomainOptions } from './cassandra-domain-options.js';
import { CassandraCdrRepository } from './cassandra-cdr-repository.js';
import { CassandraSettingsStore } from './cassandra-settings-store.js';
import { CassandraConferenceRepository } from './cassandra-conference-repository.js';
import { CassandraCallRepository } from './cassandra-call-repository.js';
import { CassandraCallServiceRepository } from './cassandra-call-service-repository.js';
import { CassandraHeavyHitterStore } from './cassandra-heavy-hitter-store.js';
import { CassandraSlotStore } from './cassandra-slot-store.js';
import { CassandraStateStore } from './cassandra-state-store.js';
import { CassandraFastCountStore } from './cassandra-fast-count-store.js';
// domain repository imports (one line per domain)
import { CassandraDeviceRepository } from './cassandra-device-repository.js';
import { CassandraRateLimitRepository } from './cassandra-rate-limit-repository.js';

/**
 * `registerPartitions: false` spares the decision path the prune job's registry insert, for a
 * deployment that never prunes (PRUNE_CRON=off): its rows then simply wait for their TTL.
 */
export function cassandraStores(client: cassandra.Client, options: CassandraDomainOptions, { registerPartitions = true }: { registerPartitions?: boolean } = {}): Stores {
  const { keyspace, consistency, serialConsistency, timeoutMs } = options;
  return {
    kind: 'cassandra',
    callLog: new CassandraCallLog(client, keyspace, {
      consistency,
      serialConsistency,
      ...(registerPartitions ? { registry: new CassandraPartitionRegistry(client, keyspace, consistency) } : {}),
    }),
    maintenance: new CassandraCallLogMaintenance(client, options),
    resetFeed: new CassandraResetFeed(client, keyspace, consistency, timeoutMs),
    signups: new CassandraSignupRepository(client, keyspace, consistency, timeoutMs),
    accounts: new CassandraAccountRepository(client, options),
    cdrs: new CassandraCdrRepository(client, options),
    settings: new CassandraSettingsStore(client, options),
    conferences: new CassandraConferenceRepository(client, options),
    calls: new CassandraCallRepository(client, options),
    callServices: new CassandraCallServiceRepository(client, options),
    heavyHitters: new CassandraHeavyHitterStore(client, options),
    slots: new CassandraSlotStore(client, options),
    state: new CassandraStateStore(client, options),
    fastCounts: new CassandraFastCountStore(client, options),
    // domain repositories (one line per domain)
    devices: new CassandraDeviceRepository(client, options),
    rateLimits: new CassandraRateLimitRepository(client, options),
    health: cassandraHealth(client, keyspace, consistency),
    memoryLogs: [],
    close: () => client.shutdown(),
  };
}
