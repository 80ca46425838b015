/**
 * What the store-facing commands work on: the service's rules, stores and wiring, composed with
 * the same function the service uses (compose.ts), so a key is normalised and hashed, a route
 * resolved and a decision made exactly as a running instance would. Nothing here listens or
 * counts: the commands only read, except `usage reset`, which is an operator's reset.
 */
import { pino } from 'pino';
import type { Clock } from '../clock.js';
import type { Settings } from '../settings.js';
import type { Stores } from '../stores.js';
import type { RuleSet } from '../rules/rule.js';
import { createRuleIndex, type RuleIndex } from '../engine/rule-index.js';
import type { RulesInForce } from '../engine/rules-in-force.js';
import { createKeyHasher, type KeyHasher } from '../keys/key-hasher.js';
import { composeApp, type Composed } from '../compose.js';
import { appRoutes } from '../http/create-app.js';
import type { ApiRoute } from '../http/api-route.js';

export interface CliService {
  settings: Readonly<Settings>;
  stores: Stores;
  ruleSet: RuleSet;
  rules: RuleIndex;
  hasher: KeyHasher;
  clock: Clock;
  composed: Composed;
  /** The routes the service serves with these settings (admin ones only with ADMIN_TOKEN). */
  routes: readonly ApiRoute[];
  /** How long a command waits for one store call. */
  storeTimeoutMs: number;
  /** Stops the composed services and closes the stores. */
  close(): Promise<void>;
}

export interface CliServiceOptions {
  settings: Readonly<Settings>;
  stores: Stores;
  /** The rules as the service loads them (files and settings: the admin rule routes are then served too), or a fixed set. */
  rules: RulesInForce | RuleSet;
  clock: Clock;
  storeTimeoutMs?: number;
}

/** Composes the service around stores the caller built (and connected); does no I/O itself. */
export function createCliService(options: CliServiceOptions): CliService {
  const { settings, stores, clock } = options;
  const rulesInForce = 'index' in options.rules ? options.rules : undefined;
  const ruleSet = rulesInForce ? rulesInForce.set() : (options.rules as RuleSet);
  const rules = rulesInForce ? rulesInForce.index() : createRuleIndex(ruleSet);
  const hasher = createKeyHasher(settings.keySecret, settings.keySecretPrevious);
  // The commands print their own answers; the service's log lines would only mix into them.
  const logger = pino({ level: 'silent' });
  const composed = composeApp({ settings, stores, clock, logger, rules: () => rules, hasher, ...(rulesInForce ? { rulesInForce } : {}) });
  return {
    settings,
    stores,
    ruleSet,
    rules,
    hasher,
    clock,
    composed,
    routes: appRoutes(composed.routes, stores.health, settings.adminTokens.length > 0),
    storeTimeoutMs: options.storeTimeoutMs ?? 10_000,
    close: async () => {
      await composed.close();
      await stores.close();
    },
  };
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
