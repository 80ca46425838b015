/**
 * loadSettings(env): every setting tollgate reads, with its default, validated once at start.
 * A bad value is reported with the variable's name and what it accepts; main.ts prints all of
 * them and exits non-zero. The result is frozen: nothing reads process.env after this.
 */
import cron from 'node-cron';
import { isPhoneRegion } from './keys/phone.js';
import { SLOT_RETRY_AFTER_MS } from './engine/limiters/slot-limiter.js';

/** An admin bearer token and the label that names its holder in the audit trail. */
export interface AdminToken {
  label: string;
  token: string;
}

export const CONSISTENCY_LEVELS = ['ANY', 'ONE', 'TWO', 'THREE', 'QUORUM', 'ALL', 'LOCAL_QUORUM', 'EACH_QUORUM', 'LOCAL_ONE'] as const;
export const SERIAL_LEVELS = ['SERIAL', 'LOCAL_SERIAL'] as const;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface CassandraSettings {
  /** "host:port" entries. */
  contactPoints: string[];
  localDataCenter: string;
  keyspace: string;
  /** A CQL replication map, ready for CREATE KEYSPACE. */
  replication: string;
  consistency: (typeof CONSISTENCY_LEVELS)[number];
  serialConsistency: (typeof SERIAL_LEVELS)[number];
  username: string | undefined;
  password: string | undefined;
  /** How long start-up keeps trying to reach Cassandra before giving up. */
  connectTimeoutMs: number;
}

export interface Settings {
  port: number;
  host: string;
  /** undefined: the embedded in-memory store. */
  cassandra: CassandraSettings | undefined;
  rulesDir: string;
  defaultPhoneRegion: string;
  logLevel: (typeof LOG_LEVELS)[number];
  /** Longest a throttle decision may wait for the store before onStoreError decides. */
  throttleDeadlineMs: number;
  /** HMAC secret for throttle keys (KEY_SECRET). */
  keySecret: string;
  /** The secret being rotated out (KEY_SECRET_PREVIOUS), read for one longest window. */
  keySecretPrevious: string | undefined;
  /** True when KEY_SECRET was not set and the fixed development secret is in use. */
  keySecretIsDevelopmentDefault: boolean;
  /** Proxies of ours in front of tollgate; 0 ignores X-Forwarded-For. */
  trustProxyHops: number;
  /** IPv6 clients are keyed by this prefix length. */
  ipv6PrefixLength: number;
  /**
   * Bearer tokens of the admin routes with the label the audit trail records: ADMIN_TOKEN
   * (label "admin") and ADMIN_TOKENS ("label:token,..."). None leaves the admin routes unmounted.
   */
  adminTokens: readonly AdminToken[];
  /** Partitions whose last known state each instance keeps (0 turns the cache off). */
  partitionCacheEntries: number;
  /** What a started minute of a call costs, a decimal string with up to 5 places (CALL_PRICE_PER_MINUTE). */
  callPricePerMinute: string;
  /** ISO 4217 currency of prices (CALL_PRICE_UNIT). */
  callPriceUnit: string;
  /**
   * Hosts status callbacks may go to (CALLBACK_ALLOWED_HOSTS, lower-cased). undefined: any public
   * host, and never a loopback, private, link-local or metadata address.
   */
  callbackAllowedHosts: readonly string[] | undefined;
  /** When the prune job runs (PRUNE_CRON, node-cron syntax; "off" never). */
  pruneCron: string | undefined;
  /** An admitted decision that leaves at least this share of a window's limit used counts as near the limit (NEAR_LIMIT_SHARE, 0 < x <= 1). */
  nearLimitShare: number;
  /** Counters per heavy-hitter summary (TOP_K_CAPACITY): memory and accuracy of GET /v1/admin/top. */
  topKCapacity: number;
  /** Seconds between publishes of this instance's heavy-hitter summaries (TOP_K_PUBLISH_INTERVAL_SECONDS). */
  topKPublishIntervalSeconds: number;
  /** Whether GET /v1/admin/top may show the normalised key beside its hash (TOP_K_SHOW_KEYS; off by default). */
  topKShowKeys: boolean;
  /**
   * The service token of the decision API (POST /v1/throttle/check) and of Envoy's gRPC rate limit
   * service (DECISION_TOKEN). undefined: neither is served.
   */
  /**
   * FAST_SYNC_INTERVAL_MS: how often each instance shares its fast-mode counts through the store
   * (T in the bound of engine/limiters/fast-limiter.ts). Default 50.
   */
  fastSyncIntervalMs: number;
  decisionToken: string | undefined;
  /** Port of the gRPC rate limit service (GRPC_PORT, default 8081; "off": not started, nor without DECISION_TOKEN). */
  grpcPort: number | undefined;
  /** Address the gRPC rate limit service binds (GRPC_HOST). */
  grpcHost: string;
  /**
   * SLOT_REFUSAL_MEMORY_MS: how long a concurrent-limit or carrier partition found full is refused
   * again without a read (0: every refusal reads). At most the slot refusals' Retry-After, so a
   * client that honours it never meets a remembered refusal. Default 100.
   */
  slotRefusalMemoryMs: number;
}

/** Outside production only: a fixed, public secret, announced loudly at start. */
export const DEVELOPMENT_KEY_SECRET = 'tollgate-development-key-secret-not-for-production';
export const MIN_KEY_SECRET_LENGTH = 32;

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SettingsError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

export function loadSettings(env: Env): Readonly<Settings> {
  const problems: string[] = [];
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) problems.push(`${name}="${raw}": expected a whole number from ${min} to ${max}`);
    return value;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T, fold: (s: string) => string): T => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = fold(raw) as T;
    if (!allowed.includes(value)) problems.push(`${name}="${raw}": expected one of ${allowed.join(', ')}`);
    return value;
  };

  const region = (read('DEFAULT_PHONE_REGION') ?? 'US').toUpperCase();
  if (!isPhoneRegion(region)) problems.push(`DEFAULT_PHONE_REGION="${region}": expected a two-letter region such as US, GB or IN`);

  const production = read('NODE_ENV') === 'production';
  const keySecret = read('KEY_SECRET');
  const keySecretPrevious = read('KEY_SECRET_PREVIOUS');
  if (keySecret === undefined && production) problems.push('KEY_SECRET: required when NODE_ENV=production (at least 32 characters)');
  for (const [name, value] of [['KEY_SECRET', keySecret], ['KEY_SECRET_PREVIOUS', keySecretPrevious]] as const) {
    if (value !== undefined && value.length < MIN_KEY_SECRET_LENGTH) problems.push(`${name}: too short (${value.length} characters; at least ${MIN_KEY_SECRET_LENGTH})`);
  }
  if (keySecret !== undefined && keySecret === keySecretPrevious) problems.push('KEY_SECRET_PREVIOUS: equals KEY_SECRET; set it only while rotating to a new secret');

  const settings: Settings = {
    port: integer('PORT', 8080, 0, 65535),
    host: read('HOST') ?? '0.0.0.0',
    cassandra: undefined,
    rulesDir: read('RULES_DIR') ?? './rules',
    defaultPhoneRegion: region,
    logLevel: oneOf('LOG_LEVEL', LOG_LEVELS, 'info', (s) => s.toLowerCase()),
    throttleDeadlineMs: integer('THROTTLE_DEADLINE_MS', 500, 10, 60_000),
    keySecret: keySecret ?? DEVELOPMENT_KEY_SECRET,
    keySecretPrevious,
    keySecretIsDevelopmentDefault: keySecret === undefined,
    trustProxyHops: integer('TRUST_PROXY_HOPS', 0, 0, 10),
    ipv6PrefixLength: integer('IPV6_PREFIX_LENGTH', 64, 1, 128),
    adminTokens: adminTokensOf(read('ADMIN_TOKEN'), read('ADMIN_TOKENS'), problems),
    partitionCacheEntries: integer('PARTITION_CACHE_ENTRIES', 100_000, 0, 10_000_000),
    callPricePerMinute: read('CALL_PRICE_PER_MINUTE') ?? '0.03000',
    callPriceUnit: (read('CALL_PRICE_UNIT') ?? 'USD').toUpperCase(),
    callbackAllowedHosts: read('CALLBACK_ALLOWED_HOSTS')?.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean),
    pruneCron: read('PRUNE_CRON') === 'off' ? undefined : (read('PRUNE_CRON') ?? '*/10 * * * *'),
    nearLimitShare: Number(read('NEAR_LIMIT_SHARE') ?? '0.8'),
    topKCapacity: integer('TOP_K_CAPACITY', 400, 100, 100_000),
    topKPublishIntervalSeconds: integer('TOP_K_PUBLISH_INTERVAL_SECONDS', 5, 1, 30),
    topKShowKeys: oneOf('TOP_K_SHOW_KEYS', ['true', 'false'], 'false', (s) => s.toLowerCase()) === 'true',
    fastSyncIntervalMs: integer('FAST_SYNC_INTERVAL_MS', 50, 10, 60_000),
    decisionToken: read('DECISION_TOKEN'),
    grpcPort: read('GRPC_PORT')?.toLowerCase() === 'off' ? undefined : integer('GRPC_PORT', 8081, 0, 65535),
    grpcHost: read('GRPC_HOST') ?? '0.0.0.0',
    slotRefusalMemoryMs: integer('SLOT_REFUSAL_MEMORY_MS', 100, 0, SLOT_RETRY_AFTER_MS),
  };
  problems.push(...decisionTokenProblems(settings));
  // Plain decimals only ("1e-1", "Infinity" and "0x1" are numbers to Number() but not what an operator means).
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(read('NEAR_LIMIT_SHARE') ?? '0.8') || !(settings.nearLimitShare > 0 && settings.nearLimitShare <= 1)) {
    problems.push(`NEAR_LIMIT_SHARE="${read('NEAR_LIMIT_SHARE')}": expected a share above 0 and at most 1, such as 0.8`);
  }
  if (settings.pruneCron !== undefined && !cron.validate(settings.pruneCron)) problems.push(`PRUNE_CRON="${settings.pruneCron}": expected a cron expression such as "*/10 * * * *" (or "off")`);
  if (!/^\d{1,6}(\.\d{1,5})?$/.test(settings.callPricePerMinute)) problems.push(`CALL_PRICE_PER_MINUTE="${settings.callPricePerMinute}": expected a decimal such as 0.03000 (up to 5 places)`);
  if (!/^[A-Z]{3}$/.test(settings.callPriceUnit)) problems.push(`CALL_PRICE_UNIT="${settings.callPriceUnit}": expected a three-letter currency code such as USD`);
  for (const host of settings.callbackAllowedHosts ?? []) {
    if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)$/.test(host)) problems.push(`CALLBACK_ALLOWED_HOSTS: "${host}" is not a host name or address`);
  }

  const contactPoints = read('CASSANDRA_CONTACT_POINTS');
  if (contactPoints !== undefined) {
    const points = contactPoints.split(',').map((p) => p.trim()).filter(Boolean).map((p) => (p.includes(':') ? p : `${p}:9042`));
    for (const point of points) {
      const [host, port] = point.split(':');
      if (!host || !/^\d+$/.test(port ?? '') || Number(port) > 65535) problems.push(`CASSANDRA_CONTACT_POINTS: "${point}" is not host[:port]`);
    }
    if (points.length === 0) problems.push('CASSANDRA_CONTACT_POINTS: expected host[:port] entries separated by commas');
    const keyspace = read('CASSANDRA_KEYSPACE') ?? 'tollgate';
    if (!/^[a-z][a-z0-9_]{0,47}$/.test(keyspace)) problems.push(`CASSANDRA_KEYSPACE="${keyspace}": expected lower-case letters, digits and _ (at most 48)`);
    const replication = parseReplication(read('CASSANDRA_REPLICATION') ?? 'SimpleStrategy:1');
    if (replication === undefined) {
      problems.push(`CASSANDRA_REPLICATION="${read('CASSANDRA_REPLICATION')}": expected "SimpleStrategy:<rf>" or "NetworkTopologyStrategy:<dc>=<rf>[,<dc>=<rf>...]"`);
    }
    settings.cassandra = {
      contactPoints: points,
      localDataCenter: read('CASSANDRA_LOCAL_DC') ?? 'datacenter1',
      keyspace,
      replication: replication ?? '',
      consistency: oneOf('CASSANDRA_CONSISTENCY', CONSISTENCY_LEVELS, 'LOCAL_QUORUM', (s) => s.toUpperCase()),
      serialConsistency: oneOf('CASSANDRA_SERIAL_CONSISTENCY', SERIAL_LEVELS, 'LOCAL_SERIAL', (s) => s.toUpperCase()),
      username: read('CASSANDRA_USERNAME'),
      password: read('CASSANDRA_PASSWORD'),
      connectTimeoutMs: integer('CASSANDRA_CONNECT_TIMEOUT_MS', 120_000, 1_000, 3_600_000),
    };
    if ((settings.cassandra.username === undefined) !== (settings.cassandra.password === undefined)) {
      problems.push('CASSANDRA_USERNAME and CASSANDRA_PASSWORD must be set together');
    }
  }

  if (problems.length > 0) throw new SettingsError(problems);
  return Object.freeze({ ...settings, adminTokens: Object.freeze(settings.adminTokens.map((t) => Object.freeze(t))), cassandra: settings.cassandra && Object.freeze(settings.cassandra), callbackAllowedHosts: settings.callbackAllowedHosts && Object.freeze([...settings.callbackAllowedHosts]) });
}

/** DECISION_TOKEN travels as a bearer token (HTTP and gRPC metadata) and must not open the admin routes. */
function decisionTokenProblems(settings: Settings): string[] {
  const problems: string[] = [];
  const token = settings.decisionToken;
  if (token !== undefined) {
    if (token.length < 24) problems.push(`DECISION_TOKEN: too short (${token.length} characters; at least 24)`);
    else if (!/^[A-Za-z0-9._~+/=-]{24,512}$/.test(token)) problems.push('DECISION_TOKEN: expected at most 512 of the characters a bearer token may hold (letters, digits, . _ ~ + / = -)');
    if (settings.adminTokens.some((admin) => admin.token === token)) problems.push('DECISION_TOKEN: equals an admin token; give the decision API a token of its own');
  }
  // Only a server that starts can clash: without DECISION_TOKEN the gRPC port stays closed.
  if (token !== undefined && settings.grpcPort !== undefined && settings.grpcPort !== 0 && settings.grpcPort === settings.port) {
    problems.push(`GRPC_PORT=${settings.grpcPort}: the HTTP port (PORT) already uses it; pick another or "off"`);
  }
  return problems;
}

function adminTokensOf(single: string | undefined, labelled: string | undefined, problems: string[]): AdminToken[] {
  const tokens: AdminToken[] = [];
  if (single !== undefined) {
    if (single.length < 24) problems.push(`ADMIN_TOKEN: too short (${single.length} characters; at least 24)`);
    tokens.push({ label: 'admin', token: single });
  }
  for (const entry of (labelled ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const match = /^([A-Za-z0-9_.-]{1,64}):(\S+)$/.exec(entry);
    if (!match) {
      problems.push('ADMIN_TOKENS: expected "label:token" entries separated by commas (labels: letters, digits, _ . -)');
      continue;
    }
    if (match[2]!.length < 24) problems.push(`ADMIN_TOKENS: the token of "${match[1]}" is too short (${match[2]!.length} characters; at least 24)`);
    if (tokens.some((t) => t.label === match[1])) problems.push(`ADMIN_TOKENS: label "${match[1]}" is used twice`);
    tokens.push({ label: match[1]!, token: match[2]! });
  }
  return tokens;
}

/** "SimpleStrategy:3" or "NetworkTopologyStrategy:dc1=3,dc2=2" to a CQL replication map. */
export function parseReplication(text: string): string | undefined {
  const simple = /^SimpleStrategy:(\d{1,2})$/.exec(text);
  if (simple && Number(simple[1]) > 0) return `{'class': 'SimpleStrategy', 'replication_factor': ${Number(simple[1])}}`;
  const nts = /^NetworkTopologyStrategy:(.+)$/.exec(text);
  if (!nts) return undefined;
  const dcs = nts[1]!.split(',').map((pair) => /^([A-Za-z0-9_-]+)=(\d{1,2})$/.exec(pair.trim()));
  if (dcs.some((m) => !m || Number(m[2]) === 0)) return undefined;
  return `{'class': 'NetworkTopologyStrategy', ${dcs.map((m) => `'${m![1]}': ${Number(m![2])}`).join(', ')}}`;
}
