/**
 * composeApp: the one place the service is wired — throttle, operator tools, domain services,
 * the route registry and the Koa app — from stores, settings, a clock and the rules in force.
 * main.ts calls it with the stores it built; tests and scripts call it with theirs, so the
 * wiring exists once. It creates no connection and reads no environment. The limiters
 * (compose-limiters.ts) and the call-control domains (compose-domains.ts) are wired in files of
 * their own, called from here only.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type Koa from 'koa';
import type { RequestListener } from 'node:http';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import { createShadowReport } from './shadow-report.js';
import type { Settings } from './settings.js';
import type { Stores } from './stores.js';
import type { RuleIndex } from './engine/rule-index.js';
import type { Target } from './engine/admit.js';
import type { Throttle } from './engine/throttle.js';
import { PartitionCache } from './engine/partition-cache.js';
import { createLimitAdmin, type LimitAdmin } from './engine/limit-admin.js';
import { createKeyHasher, type KeyHasher } from './keys/key-hasher.js';
import { MemoryCallLog } from './store/memory/memory-call-log.js';
import { createSignup } from './domains/signup/signup.js';
import { createAccounts } from './domains/accounts/accounts.js';
import { createPageTokens } from './domains/shared/page-token.js';
import { createApp } from './http/create-app.js';
import type { ApiRoute } from './http/api-route.js';
import type { DecisionListener } from './http/decision-events.js';
import { signupRoutes } from './http/api/signup-routes.js';
import { adminRuleRoutes } from './http/api/admin-rule-routes.js';
import { createRuleAdmin } from './domains/settings/rule-admin.js';
import type { RulesInForce } from './engine/rules-in-force.js';
import { accountRoutes } from './http/api/account-routes.js';
import { metricsRoutes } from './http/api/metrics-routes.js';
import { createServiceMetrics, type ServiceMetrics } from './metrics/service-metrics.js';
import { HeavyHitterTracker } from './heavy-hitters/heavy-hitter-tracker.js';
import { reportHeavyHitters, type HeavyHitterQuery } from './heavy-hitters/heavy-hitter-report.js';
import { heavyHitterRoutes } from './http/api/heavy-hitter-routes.js';
import { composeLimiters, type Limiters } from './compose-limiters.js';
import { composeDomains } from './compose-domains.js';
import type { DecisionService } from './domains/decisions/decision-service.js';

export type ComposeSettings = Pick<
  Settings,
  | 'defaultPhoneRegion'
  | 'keySecret'
  | 'keySecretPrevious'
  | 'trustProxyHops'
  | 'ipv6PrefixLength'
  | 'adminTokens'
  | 'throttleDeadlineMs'
  | 'partitionCacheEntries'
  | 'callPricePerMinute'
  | 'callPriceUnit'
  | 'callbackAllowedHosts'
  | 'nearLimitShare'
  | 'topKCapacity'
  | 'topKShowKeys'
  | 'fastSyncIntervalMs'
  | 'slotRefusalMemoryMs'
  | 'decisionToken'
>;

export interface ComposeOptions {
  settings: ComposeSettings;
  stores: Stores;
  clock: Clock;
  logger: Logger;
  /** The rule index in force (swapped on reload). */
  rules: () => RuleIndex;
  /** The reload path of the rules; with it, the live rule administration routes are served. */
  rulesInForce?: RulesInForce;
  /** The local fallback log (a fresh one by default). */
  local?: MemoryCallLog;
  /** Told about every throttle store failure or missed deadline. */
  onStoreError?: (error: unknown, targets: readonly Target[]) => void;
  /** Overrides the hasher built from the key secrets (tests). */
  hasher?: KeyHasher;
  /** Delays between status callback attempts, in ms (tests shorten them). */
  callbackRetryDelaysMs?: readonly number[];
  /** Names this instance's heavy-hitter summaries in the store (a fresh random id by default). */
  instanceId?: string;
  /** The built operator dashboard, served at /admin/ (default: dist/dashboard). */
  dashboardDir?: string;
}

export interface Composed {
  app: Koa;
  /** What to serve: the fast lane in front of app.callback() (http/fast-lane.ts). */
  listener: RequestListener;
  throttle: Throttle;
  limits: LimitAdmin;
  /** Every route of the registry (admin ones included, mounted or not). */
  routes: readonly ApiRoute[];
  local: MemoryCallLog;
  /** Shadow-mode refusals per rule since start (GET /v1/admin/rules shows them too). */
  shadowCounts(): Record<string, number>;
  /** Adds a listener for shadow-mode refusals (tests, metrics). */
  onShadow(listener: (ruleIds: readonly string[]) => void): void;
  /** Adds a listener for every throttle decision (metrics, heavy hitters). */
  onDecisions(listener: DecisionListener): void;
  /** This instance's heavy hitters; main.ts publishes their summaries (jobs/publish-heavy-hitters.ts). */
  heavyHitters: HeavyHitterTracker;
  /** This service's metrics (GET /metrics); main.ts adds the write-back counts. */
  metrics: ServiceMetrics;
  /** Every limiter and its chains; main.ts schedules the fast mode's sync (limiters.fast). */
  limiters: Limiters;
  /** Answers POST /v1/throttle/check and Envoy's ShouldRateLimit (grpc/). */
  decisions: DecisionService;
  /** Stops background work the services own (callback deliveries); the stores are the caller's. */
  close(): Promise<void>;
}

export function composeApp(options: ComposeOptions): Composed {
  const { settings, stores, clock, logger } = options;
  const local = options.local ?? new MemoryCallLog(clock);
  const hasher = options.hasher ?? createKeyHasher(settings.keySecret, settings.keySecretPrevious);
  const keyOptions = { defaultPhoneRegion: settings.defaultPhoneRegion };
  const cache = new PartitionCache(settings.partitionCacheEntries);
  const metrics = createServiceMetrics({
    nearLimitShare: settings.nearLimitShare,
    cache,
    // Read at scrape time; without the reload path the rules are a fixed set that never reloads.
    ruleSet: () => ({ version: options.rules().version, reloads: options.rulesInForce?.status().reloads ?? { ok: 0, failed: 0 } }),
    // Scraped only once the service is up, after `limiters` below exists.
    fast: () => limiters.fast.stats(),
  });
  // The throttle and the limit admin see the store through the timing decorator; the store itself knows nothing of metrics.
  const callLog = metrics.timeStore(stores.callLog);
  const instanceId = options.instanceId ?? randomUUID();
  const limiters = composeLimiters({
    stores,
    callLog,
    local,
    cache,
    clock,
    deadlineMs: settings.throttleDeadlineMs,
    instanceId,
    fastSyncIntervalMs: settings.fastSyncIntervalMs,
    slotRefusalMemoryMs: settings.slotRefusalMemoryMs,
    onFastSync: (ms, ok) => metrics.fastSynced(ms / 1000, ok),
    onStoreError: (error, targets) => {
      metrics.storeFallback(error);
      if (targets) options.onStoreError?.(error, targets);
    },
  });
  const { throttle } = limiters;
  const limits = createLimitAdmin({
    log: callLog,
    feed: stores.resetFeed,
    rules: options.rules,
    hasher,
    keyOptions,
    clock,
    forget: (partition) => throttle.forget(partition),
    timeoutMs: 5_000,
  });
  // A key of its own for page tokens, derived so that it never equals the throttle-key secret.
  const pageTokens = createPageTokens(createHmac('sha256', settings.keySecret).update('tollgate page tokens').digest('base64url'));
  const accounts = createAccounts({ repository: stores.accounts, clock });
  const closers: Array<() => Promise<void>> = [];
  const shadow = createShadowReport(logger, clock);
  const decisionListeners: DecisionListener[] = [(events) => metrics.observeDecisions(events)];
  // Heavy hitters: every decision counted by partition key in bounded memory (TOP_K_CAPACITY counters per summary).
  const heavyHitters = new HeavyHitterTracker({ capacity: settings.topKCapacity, instanceId });
  decisionListeners.push((events) => heavyHitters.observe(events, clock()));
  const topCallers = (query: HeavyHitterQuery) => reportHeavyHitters({ store: stores.heavyHitters, tracker: heavyHitters, showKeys: settings.topKShowKeys }, query, clock());
  // The call-control domains and the decision API, with their routes (compose-domains.ts).
  const domains = composeDomains({ settings, stores, clock, logger, rules: options.rules, hasher, pageTokens, limiters, ...(options.callbackRetryDelaysMs ? { callbackRetryDelaysMs: options.callbackRetryDelaysMs } : {}) });
  closers.push(() => domains.close());

  const routes: ApiRoute[] = [
    ...signupRoutes(createSignup({ repository: stores.signups, clock, defaultPhoneRegion: settings.defaultPhoneRegion })),
    ...accountRoutes(accounts, clock),
    ...(options.rulesInForce ? adminRuleRoutes(createRuleAdmin({ store: stores.settings, rules: options.rulesInForce, clock, shadowCounts: shadow.counts }), pageTokens) : []),
    ...domains.routes,
    ...metricsRoutes(() => metrics.scrape()),
    ...heavyHitterRoutes(topCallers, options.rules),
  ];

  const { app, listener } = createApp({
    logger,
    clock,
    throttle,
    rules: options.rules,
    // The normalised key travels to the decision events (heavy hitters only) when TOP_K_SHOW_KEYS allows it.
    planOptions: { ...keyOptions, hasher, ...(settings.topKShowKeys ? { revealKeys: true } : {}) },
    clientAddress: { trustProxyHops: settings.trustProxyHops, ipv6PrefixLength: settings.ipv6PrefixLength },
    routes,
    accounts,
    onShadow: shadow.observe,
    onDecisions: (events, route) => {
      for (const listener of decisionListeners) listener(events, route);
    },
    health: stores.health,
    limiters: limiters.chain,
    observeHttp: metrics.observeHttp,
    ...(options.dashboardDir === undefined ? {} : { dashboardDir: options.dashboardDir }),
    ...(settings.adminTokens.length === 0 ? {} : { admin: { limits, tokens: settings.adminTokens } }),
    ...(settings.decisionToken === undefined ? {} : { serviceToken: settings.decisionToken }),
  });
  return {
    app,
    listener,
    throttle,
    limits,
    routes,
    local,
    shadowCounts: shadow.counts,
    onShadow: shadow.addListener,
    onDecisions: (listener) => void decisionListeners.push(listener),
    heavyHitters,
    metrics,
    limiters,
    decisions: domains.decisions,
    close: async () => {
      await Promise.all(closers.map((close) => close()));
    },
  };
}
