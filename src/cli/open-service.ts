/**
 * openService(settings): the rules and the store a running service would use, from the same
 * settings (RULES_DIR and the system_settings rules, CASSANDRA_*, KEY_SECRET...): the embedded
 * memory store unless CASSANDRA_CONTACT_POINTS is set. Throws RuleFileError for invalid rules
 * (exit 1) and StoreUnreachableError when Cassandra does not answer (exit 3).
 *
 * This is the one place besides src/main.ts that constructs a cassandra-driver Client: the CLI
 * is a composition root of its own (another process), so no client can be handed to it. It is
 * built with the service's client options, the schema applied with the service's migrate
 * (idempotent) and the stores from cassandraStores; but where the service keeps retrying for
 * CASSANDRA_CONNECT_TIMEOUT_MS at start-up, an operator's command tries once and says so.
 */
import cassandra from 'cassandra-driver';
import { systemClock } from '../clock.js';
import type { CassandraSettings, Settings } from '../settings.js';
import type { Stores } from '../stores.js';
import { createFileRuleSource } from '../rules/load-rule-files.js';
import { createSettingsRuleSource } from '../rules/settings-rule-source.js';
import { createRulesInForce } from '../engine/rules-in-force.js';
import { memoryStores } from '../store/memory/memory-stores.js';
import { clientOptions, consistencyLevel } from '../store/cassandra/client-options.js';
import { cassandraStores } from '../store/cassandra/cassandra-stores.js';
import { migrate } from '../store/cassandra/migrate.js';
import { createCliService, type CliService } from './cli-service.js';
import { StoreUnreachableError, fromStore } from './cli-errors.js';

const STORE_TIMEOUT_MS = 10_000;

export async function openService(settings: Readonly<Settings>): Promise<CliService> {
  const stores = settings.cassandra ? await connectCassandra(settings.cassandra) : memoryStores(systemClock);
  try {
    // As main.ts loads them: RULES_DIR and the system_settings table, validated together.
    const sources = [createFileRuleSource(settings.rulesDir), createSettingsRuleSource(stores.settings)];
    const rules = await fromStore('loading the rules', () => createRulesInForce({ sources, clock: systemClock }));
    return createCliService({ settings, stores, rules, clock: systemClock, storeTimeoutMs: STORE_TIMEOUT_MS });
  } catch (error) {
    await stores.close();
    throw error;
  }
}

async function connectCassandra(config: CassandraSettings): Promise<Stores> {
  const client = new cassandra.Client(clientOptions(config, STORE_TIMEOUT_MS));
  try {
    await client.connect();
    await migrate(client, { keyspace: config.keyspace, replication: config.replication });
  } catch (error) {
    await client.shutdown().catch(() => undefined);
    throw new StoreUnreachableError(`cannot reach Cassandra at ${config.contactPoints.join(', ')} (keyspace ${config.keyspace})`, error);
  }
  return cassandraStores(client, {
    keyspace: config.keyspace,
    consistency: consistencyLevel(config.consistency),
    serialConsistency: consistencyLevel(config.serialConsistency),
    timeoutMs: STORE_TIMEOUT_MS,
  });
}
