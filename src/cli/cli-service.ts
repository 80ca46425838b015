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
  ruleSet: RuleSet;
  clock: Clock;
  storeTimeoutMs?: number;
}

/** Composes the service around stores the caller built (and connected); does no I/O itself. */
export function createCliService(options: CliServiceOptions): CliService {
  const { settings, stores, ruleSet, clock } = options;
  const rules = createRuleIndex(ruleSet);
  const hasher = createKeyHasher(settings.keySecret, settings.keySecretPrevious);
  // The commands print their own answers; the service's log lines would only mix into them.
  const composed = composeApp({ settings, stores, clock, logger: pino({ level: 'silent' }), rules: () => rules, hasher });
  return {
    settings,
    stores,
    ruleSet,
    rules,
    hasher,
    clock,
    composed,
    routes: appRoutes(composed.routes, stores.health, settings.adminToken !== undefined),
    storeTimeoutMs: options.storeTimeoutMs ?? 10_000,
    close: async () => {
      await composed.close();
      await stores.close();
    },
  };
}
