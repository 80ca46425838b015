/**
 * openService(settings): the rules and the store a running service would use, from the same
 * settings (RULES_DIR, CASSANDRA_*, KEY_SECRET...): the embedded memory store unless
 * CASSANDRA_CONTACT_POINTS is set. Throws RuleFileError for invalid rules (exit 1) and
 * StoreUnreachableError when Cassandra does not answer (exit 3).
 */
import { systemClock } from '../clock.js';
import type { Settings } from '../settings.js';
import { loadRuleFiles } from '../rules/load-rule-files.js';
import { memoryStores } from '../store/memory/memory-stores.js';
import { createCliService, type CliService } from './cli-service.js';
import { connectCassandra } from './connect-cassandra.js';

const STORE_TIMEOUT_MS = 10_000;

export async function openService(settings: Readonly<Settings>): Promise<CliService> {
  const ruleSet = await loadRuleFiles(settings.rulesDir);
  const stores = settings.cassandra ? await connectCassandra(settings.cassandra, STORE_TIMEOUT_MS) : memoryStores(systemClock);
  return createCliService({ settings, stores, ruleSet, clock: systemClock, storeTimeoutMs: STORE_TIMEOUT_MS });
}

/** What an operator should know before trusting a store command's answer; empty when nothing. */
export function serviceNotes(service: CliService): string[] {
  const notes: string[] = [];
  if (service.stores.kind === 'memory') {
    notes.push(
      'note: store is the embedded in-memory store, which lives inside each process: this command sees its own empty store, ' +
        'not a running service\'s. Set CASSANDRA_CONTACT_POINTS (as the service has it), or ask the service: GET /v1/admin/limits.',
    );
  }
  if (service.settings.keySecretIsDevelopmentDefault) {
    notes.push('note: KEY_SECRET is not set: keys are hashed with the public development secret; a service with its own KEY_SECRET keeps its counts under other partitions.');
  }
  return notes;
}
