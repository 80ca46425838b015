/**
 * Builds the app the way main.ts does, with test doubles where a test wants them, and drives it
 * through app.callback() on an ephemeral loopback port.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { afterAll } from 'vitest';
import { createManualClock, type Clock } from '../../src/clock.js';
import type { CallLog } from '../../src/engine/call-log.js';
import { createRuleIndex } from '../../src/engine/rule-index.js';
import { createThrottle, type Throttle } from '../../src/engine/throttle.js';
import { createLimitAdmin } from '../../src/engine/limit-admin.js';
import type { ResetFeed } from '../../src/engine/reset-feed.js';
import { MemoryResetFeed } from '../../src/store/memory/memory-reset-feed.js';
import { createSignup, type SignupRepository } from '../../src/domains/signup/signup.js';
import { createApp } from '../../src/http/create-app.js';
import type { HealthReport } from '../../src/http/routes.js';
import { combineRuleSets } from '../../src/rules/load-rule-files.js';
import type { Rule } from '../../src/rules/rule.js';
import { MemoryCallLog } from '../../src/store/memory/memory-call-log.js';
import { MemorySignupRepository } from '../../src/store/memory/memory-signup-repository.js';
import { createKeyHasher, type KeyHasher } from '../../src/keys/key-hasher.js';
import type { ClientAddressOptions } from '../../src/keys/client-address.js';

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
  /** The reset feed (an in-process one by default). */
  resetFeed?: ResetFeed;
  /** A silent logger by default. */
  logger?: Logger;
}

/** The hasher tests use; partitions of a raw key are at TEST_HASHER.hash(key). */
export const TEST_HASHER = createKeyHasher('test-key-secret-test-key-secret-0123456789');

export interface TestApp {
  url: string;
  throttle: Throttle;
  clock: Clock;
  callLog: CallLog;
  signups: SignupRepository;
  close(): Promise<void>;
}

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

export async function startTestApp(options: TestAppOptions): Promise<TestApp> {
  const clock = options.clock ?? createManualClock(1_800_000_000_000);
  const callLog = options.callLog ?? new MemoryCallLog(clock);
  const signups = options.signups ?? new MemorySignupRepository();
  const rules = createRuleIndex(combineRuleSets(options.rules, ['test']));
  const throttle = createThrottle({ store: callLog, local: options.local ?? new MemoryCallLog(clock), clock, deadlineMs: options.deadlineMs ?? 2_000 });
  const hasher = options.hasher ?? TEST_HASHER;
  const limits = createLimitAdmin({
    log: callLog,
    feed: options.resetFeed ?? new MemoryResetFeed(),
    rules: () => rules,
    hasher,
    keyOptions: { defaultPhoneRegion: 'US' },
    clock,
    forget: (partition) => throttle.forget(partition),
    timeoutMs: 5_000,
  });
  const app = createApp({
    logger: options.logger ?? pino({ level: 'silent' }),
    clock,
    throttle,
    ...(options.adminToken ? { admin: { limits, token: options.adminToken } } : {}),
    rules: () => rules,
    planOptions: { defaultPhoneRegion: 'US', hasher },
    clientAddress: options.clientAddress ?? { trustProxyHops: 0, ipv6PrefixLength: 64 },
    signup: createSignup({ repository: signups, clock, defaultPhoneRegion: 'US' }),
    health: options.health ?? (async () => ({ status: 'ok', store: 'memory' })),
  });
  const server = createServer(app.callback());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    throttle,
    clock,
    callLog,
    signups,
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
