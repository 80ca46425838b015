/**
 * The over-admission test: `total` requests for ONE phone number, all in flight at once, against
 * a limit of `limit`. Sockets are opened (and kept alive) first by concurrent health checks, so the
 * POSTs leave in one synchronous loop and reach the server together rather than spread over
 * connection set-up. With several URLs (instances sharing one store) the requests are dealt out
 * round robin. A correct limiter admits exactly `limit`; anything above is over-admission.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import cassandra from 'cassandra-driver';
import { createKeyHasher } from '../src/keys/key-hasher.js';
import { retrying, type CassandraNode } from './cassandra-node.js';
import { BENCH_KEY_SECRET, KEYSPACES, RACE_RULE_ID, startNaive, startPeer, startService, type FleetContext } from './fleet.js';
import { phoneAt, type PhoneRanges } from './phones.js';
import type { ServerProcess } from './server-process.js';

export interface RaceResult {
  requests: number;
  limit: number;
  admitted: number;
  denied: number;
  other: number;
  overAdmitted: number;
  wallMs: number;
}

function call(agent: Agent, url: URL, method: string, body?: string): Promise<number> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = request(url, { method, agent, headers, timeout: 30_000 }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', () => resolve(0));
    req.end(body);
  });
}

export async function raceOneKey(urls: readonly string[], phone: string, total: number, limit: number): Promise<RaceResult> {
  const shares = urls.map((url, i) => ({
    url,
    count: Math.floor(total / urls.length) + (i < total % urls.length ? 1 : 0),
    agent: new Agent({ keepAlive: true, maxSockets: total }),
  }));
  // Open every socket before the race: concurrent GETs force one connection each.
  await Promise.all(shares.flatMap((s) => Array.from({ length: s.count }, () => call(s.agent, new URL('/healthz', s.url), 'GET'))));
  const body = JSON.stringify({ phone });
  const started = performance.now();
  const pending: Array<Promise<number>> = [];
  for (let i = 0; i < total; i++) {
    const share = shares[i % shares.length]!;
    pending.push(call(share.agent, new URL('/v1/signup', share.url), 'POST', body));
  }
  const codes = await Promise.all(pending);
  const wallMs = Math.round(performance.now() - started);
  for (const share of shares) share.agent.destroy();
  const admitted = codes.filter((c) => c === 201).length;
  const denied = codes.filter((c) => c === 429).length;
  return { requests: total, limit, admitted, denied, other: total - admitted - denied, overAdmitted: Math.max(0, admitted - limit), wallMs };
}

/**
 * The race against every limiter, `attempts` times each with a fresh phone: the service alone,
 * two service instances sharing the keyspace (the compare-and-set is what keeps them exact), and
 * both again with a 10 s THROTTLE_DEADLINE_MS (so that no decision falls back to onStoreError while
 * it queues behind the others for the same key: this separates the store path from the fallback),
 * the peer, and the naive limiter, all configured with one window of `limit` per hour.
 */
export async function runRaces(
  ctx: FleetContext,
  node: CassandraNode,
  rulesDir: string,
  phones: PhoneRanges,
  total: number,
  limit: number,
  started: (server: Promise<ServerProcess>) => Promise<ServerProcess>,
  attempts = 3,
): Promise<RaceRow[]> {
  // Started one after the other: two instances migrating the same keyspace at once race on DDL.
  const ours1 = await started(startService(ctx, 'service-race-1', rulesDir, KEYSPACES.race));
  const ours2 = await started(startService(ctx, 'service-race-2', rulesDir, KEYSPACES.race));
  const long = { THROTTLE_DEADLINE_MS: '10000' };
  const oursLong1 = await started(startService(ctx, 'service-race-deadline-1', rulesDir, KEYSPACES.race, long));
  const oursLong2 = await started(startService(ctx, 'service-race-deadline-2', rulesDir, KEYSPACES.race, long));
  // And with a deadline so short that most decisions of the race fall back to onStoreError
  // "local": the fallback must not admit beyond what its instance knows was admitted.
  const short = { THROTTLE_DEADLINE_MS: '20' };
  const oursShort1 = await started(startService(ctx, 'service-race-short-1', rulesDir, KEYSPACES.race, short));
  const oursShort2 = await started(startService(ctx, 'service-race-short-2', rulesDir, KEYSPACES.race, short));
  const peer = await started(startPeer(ctx, 'peer-race', `${limit}/3600`, false));
  const naive = await started(startNaive(ctx, 'naive-race', `${limit}/3600`));
  const contenders: Array<[string, ServerProcess[], boolean]> = [
    ['ours, 1 instance', [ours1], true],
    ['ours, 2 instances', [ours1, ours2], true],
    ['ours, 1 instance, deadline 10 s', [oursLong1], true],
    ['ours, 2 instances, deadline 10 s', [oursLong1, oursLong2], true],
    // One instance falling back: its fallback and its store path see each other, so exact.
    ['ours, 1 instance, deadline 20 ms', [oursShort1], true],
    // Two: each fallback knows only its own instance, so up to 2 × the limit (docs/performance.md).
    ['ours, 2 instances, deadline 20 ms', [oursShort1, oursShort2], true],
    ['peer RLF+Redis', [peer], false],
    ['naive count-then-insert', [naive], false],
  ];
  const results: RaceRow[] = [];
  try {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      for (const [limiter, servers, isOurs] of contenders) {
        const { phone, result } = await retrying(node, `race ${limiter} #${attempt}`, async () => {
          const phone = phoneAt(phones.take(1));
          return { phone, result: await raceOneKey(servers.map((s) => s.url), phone, total, limit) };
        });
        const inStore = isOurs ? await rowsInStore(node.client, phone) : undefined;
        const fallback = inStore === undefined ? '' : `, ${inStore} of them recorded in Cassandra`;
        console.log(`bench: race ${limiter} #${attempt}: ${result.admitted} admitted of ${total}, limit ${limit}${fallback}`);
        results.push({ limiter, attempt, ...result, storeAdmitted: inStore });
      }
    }
  } finally {
    for (const server of [ours1, ours2, oursLong1, oursLong2, oursShort1, oursShort2, peer, naive]) await server.stop();
  }
  return results;
}

/**
 * The service's admissions that went through Cassandra: rows in the race partition (caller = the
 * HMAC of the phone). Admissions by the onStoreError "local" fallback reach it only through the
 * write-back job (every 5 s, after this count), so
 * admitted - rows = decisions the fallback made after the store missed its deadline.
 */
async function rowsInStore(client: cassandra.Client, phone: string): Promise<number> {
  const caller = createKeyHasher(BENCH_KEY_SECRET).hash(phone);
  const result = await client.execute(`SELECT count(*) FROM ${KEYSPACES.race}.calls WHERE caller = ? AND api = ?`, [caller, RACE_RULE_ID], { prepare: true });
  return Number(result.first()?.get('count') ?? 0);
}

export type RaceRow = RaceResult & { limiter: string; attempt: number; storeAdmitted: number | undefined };
