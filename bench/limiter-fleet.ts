/**
 * The services of the limiter rows (bench/limiters.ts) and what they start with. One service per
 * limiter kind, each with its own keyspace (so the node's counters tell what each kind cost) and
 * one rule file of two rules on POST /v1/signup, the route of the window reference:
 *   - `bench-<kind>` keyed on body.phone (E.164), generous: the allowed rows send phones;
 *   - `bench-<kind>-strict` keyed on body.email, tight: the denied rows send 5 emails in turn, so
 *     each of those callers is over its limit after the warm-up (or from the start, when its
 *     slots are taken beforehand).
 * Both rules skip a request without their field, so each row meets exactly one of them. The
 * decision API's two services (exact and fast documents) serve no rules at all: their checks are
 * packet checks against rate-limit documents written here straight into their keyspaces.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { CassandraRateLimitRepository } from '../src/store/cassandra/cassandra-rate-limit-repository.js';
import { CassandraSlotStore } from '../src/store/cassandra/cassandra-slot-store.js';
import { createKeyHasher } from '../src/keys/key-hasher.js';
import type { RateLimitDocument } from '../src/domains/rate-limits/rate-limit-document.js';
import { BENCH_KEY_SECRET, startService, type FleetContext } from './fleet.js';
import { freePort, type ServerProcess } from './server-process.js';

export const LIMITER_KINDS = ['window', 'interval', 'concurrent', 'carriers', 'bucket', 'shared', 'fast'] as const;
export type LimiterKind = (typeof LIMITER_KINDS)[number];

export const limiterKeyspace = (name: string) => `tollgate_bench_lim_${name}`;
export const DECISION_TOKEN = 'tollgate-bench-decision-token-0123456789';
/** The denied rows' callers: over their limits after the warm-up, or from the start. */
export const ABUSIVE_EMAILS = Array.from({ length: 5 }, (_, i) => `abuse-${i}@bench.example`);
const CARRIERS = ['carrier-a', 'carrier-b'];

type Json = Record<string, unknown>;

/** The two rules of a kind: generous on body.phone, tight on body.email. */
function rulesOf(kind: LimiterKind): [allowed: Json, strict: Json] {
  switch (kind) {
    case 'window': // rules/signup.json's phone rule (scenario b's), and the same limits for the abusers (scenario c's)
      return [{ limits: [{ count: 5, window: '1h' }, { count: 30, window: '24h' }] }, { limits: [{ count: 5, window: '1h' }, { count: 30, window: '24h' }] }];
    case 'interval':
      return [{ limits: ['2/30'] }, { limits: ['2/30'] }];
    case 'concurrent':
      return [{ limits: [{ kind: 'concurrent', max: 3, lease: '1h' }] }, { limits: [{ kind: 'concurrent', max: 1, lease: '1h' }] }];
    case 'carriers':
      return [
        { limits: [{ kind: 'carriers', carriers: CARRIERS.map((name) => ({ name, max: 1000 })), lease: '1h' }] },
        { limits: [{ kind: 'carriers', carriers: CARRIERS.map((name) => ({ name, max: 1 })), lease: '1h' }] },
      ];
    case 'bucket':
      return [
        { limits: [{ kind: 'bucket', max_bucket_tokens: 1000, tokens_fill_rate: 100, tokens_fill_time: 'second', token_costs: 1 }] },
        { limits: [{ kind: 'bucket', max_bucket_tokens: 5, tokens_fill_rate: 1, tokens_fill_time: 'day', token_costs: 1 }] },
      ];
    case 'shared':
      return [
        { limits: [{ kind: 'shared', rate: 1000, per: '1s', member: 'header.x-device-id', share: 100, ceil: 1000 }] },
        { limits: [{ kind: 'shared', rate: 5, per: '24h', member: 'header.x-device-id', share: 1, ceil: 5 }] },
      ];
    case 'fast':
      return [
        { limits: [{ count: 1000, window: '1s' }], consistency: 'fast' },
        { limits: [{ count: 5, window: '1h' }], consistency: 'fast' },
      ];
  }
}

export function ruleIds(kind: LimiterKind): { allowed: string; strict: string } {
  return { allowed: `bench-${kind}`, strict: `bench-${kind}-strict` };
}

/** Writes the kind's rule file into its own folder; answers the folder. */
export function writeKindRules(tmp: string, kind: LimiterKind): string {
  const dir = join(tmp, `rules-lim-${kind}`);
  mkdirSync(dir, { recursive: true });
  const [allowed, strict] = rulesOf(kind);
  const ids = ruleIds(kind);
  const match = { method: 'POST', path: '/v1/signup' };
  const rules = [
    { id: ids.allowed, match, key: 'body.phone', normalize: 'e164', onMissingKey: 'skip', ...allowed },
    { id: ids.strict, match, key: 'body.email', onMissingKey: 'skip', ...strict },
  ];
  writeFileSync(join(dir, `${kind}.json`), JSON.stringify({ rules }, null, 2));
  return dir;
}

export function startKindService(ctx: FleetContext, kind: LimiterKind): Promise<ServerProcess> {
  return startService(ctx, `lim-${kind}`, writeKindRules(ctx.tmp, kind), limiterKeyspace(kind), { GRPC_PORT: 'off' });
}

/** A decision API service (no rules): HTTP on its port, Envoy's protocol on `grpcPort`. */
export async function startDecisionService(ctx: FleetContext, name: string, keyspace: string, extraEnv: Record<string, string> = {}): Promise<ServerProcess & { grpcPort: number }> {
  const dir = join(ctx.tmp, 'rules-lim-none');
  mkdirSync(dir, { recursive: true });
  const grpcPort = await freePort();
  const server = await startService(ctx, name, dir, keyspace, { DECISION_TOKEN, GRPC_PORT: String(grpcPort), GRPC_HOST: '127.0.0.1', ...extraEnv });
  return { ...server, grpcPort };
}

const domainOptions = (keyspace: string) => ({
  keyspace,
  consistency: cassandra.types.consistencies.localQuorum,
  serialConsistency: cassandra.types.consistencies.localSerial,
  timeoutMs: 10_000,
});

/**
 * Takes every slot the strict concurrent and carriers rules allow for the abusive callers, with a
 * lease longer than the run, as live calls would hold them: their requests are then refused.
 */
export async function fillStrictSlots(client: cassandra.Client, kind: 'concurrent' | 'carriers'): Promise<void> {
  const store = new CassandraSlotStore(client, domainOptions(limiterKeyspace(kind)));
  const hasher = createKeyHasher(BENCH_KEY_SECRET);
  const api = ruleIds(kind).strict;
  for (const email of ABUSIVE_EMAILS) {
    const caller = hasher.hash(email);
    const partitions = kind === 'concurrent' ? [{ api, caller }] : CARRIERS.map((name) => ({ api, caller: `${caller}/${name}` }));
    for (const partition of partitions) {
      const result = await store.acquire(partition, `bench-holder-${partition.caller}`, 1, 6 * 3_600_000, Date.now(), { timeoutMs: 10_000 });
      if (!result.acquired) throw new Error(`bench: could not take the slot of ${partition.api}/${partition.caller}`);
    }
  }
}

export interface PacketPopulation {
  accounts: number;
  devicesPerAccount: number;
  /** Accounts over their per-minute limit after their first message (the denied rows). */
  strictAccounts: number;
}

export const accountName = (i: number) => `bench-acc-${i}`;
export const deviceName = (i: number) => `bench-dev-${i}`;
export const strictAccountName = (i: number) => `bench-strict-${i}`;

/**
 * Account documents Kazoo-style (an `account` section for the account's traffic and a `device`
 * section for each device without a document of its own), far above the load for the allowed
 * accounts, and one message per minute for the strict ones. Written through the service's own
 * repository, after the service has created its keyspace.
 */
export async function seedDocuments(client: cassandra.Client, keyspace: string, consistency: 'exact' | 'fast', population: PacketPopulation): Promise<void> {
  const repository = new CassandraRateLimitRepository(client, domainOptions(keyspace));
  const all = (n: number) => ({ registrations: n, invites: n, total_packets: n });
  const generous = {
    account: { per_second: all(1_000_000), per_minute: all(60_000_000) },
    device: { per_second: all(100_000), per_minute: all(6_000_000) },
    consistency,
  } as RateLimitDocument;
  const strict = { account: { per_minute: all(1) }, consistency } as RateLimitDocument;
  for (let i = 0; i < population.accounts; i++) await repository.put({ scope: 'account', accountSid: accountName(i) }, generous);
  for (let i = 0; i < population.strictAccounts; i++) await repository.put({ scope: 'account', accountSid: strictAccountName(i) }, strict);
}
