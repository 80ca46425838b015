/**
 * Builds the app the way main.ts does, with test doubles where a test wants them, and drives it
 * through its listener (the fast lane in front of app.callback()) on an ephemeral loopback port.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { afterAll } from 'vitest';
import { createManualClock, type Clock } from '../../src/clock.js';
import type { CallLog } from '../../src/engine/call-log.js';
import { createRuleIndex } from '../../src/engine/rule-index.js';
import type { Throttle } from '../../src/engine/throttle.js';
import type { ResetFeed } from '../../src/engine/reset-feed.js';
import type { SignupRepository } from '../../src/domains/signup/signup.js';
import type { HealthReport } from '../../src/health.js';
import { combineRuleSets } from '../../src/rules/load-rule-files.js';
import type { AccessList, Rule } from '../../src/rules/rule.js';
import type { MemoryCallLog } from '../../src/store/memory/memory-call-log.js';
import { memoryStores } from '../../src/store/memory/memory-stores.js';
import { createKeyHasher, type KeyHasher } from '../../src/keys/key-hasher.js';
import type { ClientAddressOptions } from '../../src/keys/client-address.js';
import { composeApp, type ComposeSettings, type Composed } from '../../src/compose.js';
import type { Stores } from '../../src/stores.js';
import type { RuleSource } from '../../src/rules/rule-source.js';
import { createRulesInForce, type RulesInForce } from '../../src/engine/rules-in-force.js';

export interface TestAppOptions {
  rules: readonly Rule[];
  clock?: Clock;
  callLog?: CallLog;
  /** The local fallback log (a fresh one by default). */
  local?: MemoryCallLog;
  signups?: SignupRepository;
  health?: () => Promise<HealthReport>;
  deadlineMs?: number;
  hasher?: KeyHasher;
  clientAddress?: ClientAddressOptions;
  /** Mounts the admin routes behind this token. */
  adminToken?: string;
  /** Mounts the decision API (POST /v1/throttle/check) behind this token. */
  decisionToken?: string;
  /** Names this instance in shared stores (two test apps on one store are two instances). */
  instanceId?: string;
  /** The reset feed (an in-process one by default). */
  resetFeed?: ResetFeed;
  /** A silent logger by default. */
  logger?: Logger;
  /** Stores to use instead of the in-memory ones (e.g. cassandraStores on the test node). */
  stores?: Partial<Stores>;
  /** Settings besides the test defaults. */
  settings?: Partial<ComposeSettings>;
  /** Delays between status callback attempts (short by default in tests). */
  callbackRetryDelaysMs?: readonly number[];
  /** The built operator dashboard's folder (default: dist/dashboard). */
  dashboardDir?: string;
  /** Global allow and deny lists beside `rules`. */
  globalLists?: { allow: AccessList; deny: AccessList };
  /** Rules from these sources through the reload path (instead of `rules`), with the admin rule routes. */
  ruleSources?: readonly RuleSource[];
}

/** The hasher tests use; partitions of a raw key are at TEST_HASHER.hash(key). */
export const TEST_HASHER: KeyHasher = createKeyHasher('test-key-secret-test-key-secret-0123456789');

export interface TestApp {
  url: string;
  throttle: Throttle;
  clock: Clock;
  callLog: CallLog;
  signups: SignupRepository;
  stores: Stores;
  composed: Composed;
  /** With `ruleSources`: the reload path. */
  rulesInForce: RulesInForce | undefined;
  close(): Promise<void>;
}

/** Settings of the test app unless a test says otherwise. */
export const TEST_SETTINGS: ComposeSettings = Object.freeze({
  defaultPhoneRegion: 'US',
  keySecret: 'test-key-secret-test-key-secret-0123456789',
  keySecretPrevious: undefined,
  trustProxyHops: 0,
  ipv6PrefixLength: 64,
  adminTokens: [],
  throttleDeadlineMs: 2_000,
  partitionCacheEntries: 100_000,
  callPricePerMinute: '0.03000',
  callPriceUnit: 'USD',
  callbackAllowedHosts: undefined,
  nearLimitShare: 0.8,
  topKCapacity: 400,
  topKShowKeys: false,
  fastSyncIntervalMs: 50,
  slotRefusalMemoryMs: 100,
  decisionToken: undefined,
});

const servers: Server[] = [];
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await Promise.all(closers.map((close) => close()));
});

export async function startTestApp(options: TestAppOptions): Promise<TestApp> {
  const clock = options.clock ?? createManualClock(1_800_000_000_000);
  const base = memoryStores(clock);
  const stores: Stores = {
    ...base,
    ...options.stores,
    ...(options.callLog ? { callLog: options.callLog } : {}),
    ...(options.signups ? { signups: options.signups } : {}),
    ...(options.resetFeed ? { resetFeed: options.resetFeed } : {}),
    ...(options.health ? { health: options.health } : {}),
  };
  const rulesInForce = options.ruleSources ? await createRulesInForce({ sources: options.ruleSources, clock }) : undefined;
  const fixed = createRuleIndex(combineRuleSets(options.rules, ['test'], options.globalLists));
  const rules = () => rulesInForce?.index() ?? fixed;
  const settings: ComposeSettings = {
    ...TEST_SETTINGS,
    ...(options.deadlineMs === undefined ? {} : { throttleDeadlineMs: options.deadlineMs }),
    ...(options.adminToken === undefined ? {} : { adminTokens: [{ label: 'admin', token: options.adminToken }] }),
    ...(options.decisionToken === undefined ? {} : { decisionToken: options.decisionToken }),
    ...(options.clientAddress ?? {}),
    ...options.settings,
  };
  const composed = composeApp({
    settings,
    stores,
    clock,
    logger: options.logger ?? pino({ level: 'silent' }),
    rules,
    ...(rulesInForce ? { rulesInForce } : {}),
    hasher: options.hasher ?? TEST_HASHER,
    ...(options.local ? { local: options.local } : {}),
    callbackRetryDelaysMs: options.callbackRetryDelaysMs ?? [20, 40, 80],
    ...(options.dashboardDir === undefined ? {} : { dashboardDir: options.dashboardDir }),
    ...(options.instanceId === undefined ? {} : { instanceId: options.instanceId }),
  });
  const server = createServer(composed.listener);
  servers.push(server);
  closers.push(() => composed.close());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    throttle: composed.throttle,
    clock,
    callLog: stores.callLog,
    signups: stores.signups,
    stores,
    composed,
    rulesInForce,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** POSTs JSON (or a raw string with its own content type). */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/**
 * The statuses of signups sent one after another (so their order is the order of decisions): one
 * per body, each with the headers `headersFor` gives its index.
 */
export async function signupStatuses(baseUrl: string, bodies: readonly unknown[], headersFor: (i: number) => Record<string, string> = () => ({})): Promise<number[]> {
  const statuses: number[] = [];
  for (const [i, body] of bodies.entries()) statuses.push((await postJson(`${baseUrl}/v1/signup`, body, headersFor(i))).status);
  return statuses;
}

/** The parsed JSON body of a response, untyped for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function jsonOf(response: Response): Promise<any> {
  return response.json();
}
