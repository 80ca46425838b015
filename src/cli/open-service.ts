/**
 * openService(settings): the rules and the store a running service would use, from the same
 * settings (RULES_DIR and the system_settings rules, CASSANDRA_*, KEY_SECRET...): the embedded memory store unless
 * CASSANDRA_CONTACT_POINTS is set. Throws RuleFileError for invalid rules (exit 1) and
 * StoreUnreachableError when Cassandra does not answer (exit 3).
 */
import { systemClock } from '../clock.js';
import type { Settings } from '../settings.js';
import { createFileRuleSource } from '../rules/load-rule-files.js';
import { createSettingsRuleSource } from '../rules/settings-rule-source.js';
import { createRulesInForce } from '../engine/rules-in-force.js';
import { memoryStores } from '../store/memory/memory-stores.js';
import { createCliService, type CliService } from './cli-service.js';
import { connectCassandra } from './connect-cassandra.js';
import { fromStore } from './cli-errors.js';

const STORE_TIMEOUT_MS = 10_000;

export async function openService(settings: Readonly<Settings>): Promise<CliService> {
  const stores = settings.cassandra ? await connectCassandra(settings.cassandra, STORE_TIMEOUT_MS) : memoryStores(systemClock);
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
