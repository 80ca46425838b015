/**
 * npm run bench: the whole benchmark of issue 4 in one run on this machine.
 *
 *   1. builds the service (npm run build) and checks the phone numbers it will send;
 *   2. uses the Cassandra node on 127.0.0.1:9042 or starts one (scripts/cassandra.mjs), drops the
 *      bench's own keyspaces (tollgate_bench*), starts redis-server (installed when missing);
 *   3. scenarios a-e, interleaved round by round so that a disturbance of the shared machine hits
 *      every scenario rather than one; medians over rounds;
 *   4. both servers paced at half of the allowed path's max; the over-admission races; latency
 *      with 1k vs up to 1M pre-populated keys; heap bytes per key of the block cache;
 *   5. prints the tables and writes bench/results/<ISO date>.{json,md} and latest.md.
 * It stops every process it started, by pid, also on Ctrl-C.
 *
 * Env: BENCH_DURATION_S (15), BENCH_WARMUP_S (3), BENCH_PRIME_S (5, one unmeasured pass first), BENCH_CONNECTIONS (32), BENCH_ROUNDS (3),
 * BENCH_KEYS (1000000), BENCH_KEYS_RATE (200), BENCH_POPULATE_MAX_S (420), BENCH_RACE_REQUESTS
 * (200), BENCH_RACE_LIMIT (100), BENCH_SECTIONS (throughput,half,race,keys,memory,cdr-export,limiters; the limiters section's own settings
 * are in bench/limiters.ts), BENCH_CPU_PROF=1
 * (V8 profiles of the service processes, in the run's log folder); the CDR export section's own
 * settings are in bench/cdr-export.ts (BENCH_CDRS, BENCH_CDR_RUNS, BENCH_CDR_SLOW_KBPS).
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureCacheMemory } from './cache-memory.js';
import { measureCdrExport } from './cdr-export.js';
import { dropBenchKeyspaces, ensureCassandra, retrying, type CassandraNode } from './cassandra-node.js';
import { KEYSPACES, startNaive, startPeer, startService, writeRulesDirs, type FleetContext } from './fleet.js';
import { measureKeys } from './keys-scenario.js';
import { renderLimiters, type LimitersResult } from './limiter-report.js';
import { measureLimiters } from './limiters.js';
import { checkPhones, PhoneRanges } from './phones.js';
import { startRedis, type RedisServer } from './redis-server.js';
import { renderMarkdown, targets, writeReport, type BenchReport } from './report.js';
import { runRaces } from './race.js';
import { abusiveCallers, freshCallers, measure, returningCallers, type BenchSettings, type Measurement, type MeasureSpec } from './scenarios.js';
import { freePort, type ServerProcess } from './server-process.js';
import { summarize } from './summary.js';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const num = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number >= 0`);
  return value;
};
const settings: BenchSettings = { durationS: num('BENCH_DURATION_S', 15), warmupS: num('BENCH_WARMUP_S', 3), connections: num('BENCH_CONNECTIONS', 32) };
const rounds = Math.max(1, num('BENCH_ROUNDS', 3));
const sections = new Set((process.env.BENCH_SECTIONS ?? 'throughput,half,race,keys,memory,cdr-export,limiters').split(',').map((s) => s.trim()));
const race = { requests: num('BENCH_RACE_REQUESTS', 200), limit: num('BENCH_RACE_LIMIT', 100) };

const running: Array<{ stop(): Promise<void> }> = [];
let cassandra: CassandraNode | undefined;
async function cleanup(): Promise<void> {
  for (const p of running.splice(0).reverse()) await p.stop().catch((e: Error) => console.error(`bench: stop failed: ${e.message}`));
  await cassandra?.close().catch((e: Error) => console.error(`bench: Cassandra close failed: ${e.message}`));
  cassandra = undefined;
}
process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));

async function main(): Promise<void> {
  const date = new Date().toISOString();
  console.log('bench: npm run build');
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  const phones = new PhoneRanges();
  checkPhones(10_000_000);

  const tmp = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  console.log(`bench: server logs in ${tmp}`);
  cassandra = await ensureCassandra(root);
  await dropBenchKeyspaces(cassandra.client, Object.values(KEYSPACES));
  const redis: RedisServer = await startRedis(await freePort(), join(tmp, 'redis'), join(tmp, 'redis.log'));
  running.push(redis);
  const ctx: FleetContext = { root, tmp, redisPort: redis.port };
  const rules = writeRulesDirs(tmp, race.limit);
  const started = async (server: Promise<ServerProcess>) => {
    const s = await server;
    running.push(s);
    return s;
  };

  const report: BenchReport = {
    date,
    machine: machineFacts(cassandra),
    settings: { ...settings, rounds, connectionsNote: 'autocannon keep-alive connections on 127.0.0.1' },
    scenarios: [],
    halfLoad: undefined,
    keys: undefined,
    races: [],
    distinctCallers: 0,
    notes: [],
  };

  if (sections.has('throughput') || sections.has('half')) {
    const base = await started(startService(ctx, 'service-baseline', rules.none, KEYSPACES.baseline));
    const ours = await started(startService(ctx, 'service', rules.signup, KEYSPACES.ours));
    const peer = await started(startPeer(ctx, 'peer', '5/3600,30/86400', false));
    const peerBlock = await started(startPeer(ctx, 'peer-block', '5/3600,30/86400', true));
    const naive = await started(startNaive(ctx, 'naive', '5/3600,30/86400'));
    // "At a limit of 100" (issue 4's target for b/e): returning callers, each up to 95 calls per hour.
    const ours100 = await started(startService(ctx, 'service-limit100', rules.race, KEYSPACES.limit100));
    const naive100 = await started(startNaive(ctx, 'naive-limit100', `${race.limit}/3600`));
    const returning = () => returningCallers(phones, 200, Math.max(1, race.limit - 5));
    const plan: Array<{ id: string; title: string; spec: () => MeasureSpec }> = [
      { id: 'a', title: 'baseline, no rules', spec: () => ({ server: base, keyspace: KEYSPACES.baseline, body: freshCallers(phones) }) },
      { id: 'b', title: 'allowed, fresh callers', spec: () => ({ server: ours, keyspace: KEYSPACES.ours, body: freshCallers(phones) }) },
      { id: 'c', title: 'denied, 5 abusive callers', spec: () => ({ server: ours, keyspace: KEYSPACES.ours, body: abusiveCallers(phones) }) },
      { id: 'd', title: 'peer RLF+Redis, allowed', spec: () => ({ server: peer, keyspace: KEYSPACES.peer, body: freshCallers(phones), redis }) },
      { id: 'd-denied', title: 'peer RLF+Redis, in-memory block, denied', spec: () => ({ server: peerBlock, keyspace: KEYSPACES.peer, body: abusiveCallers(phones), redis }) },
      { id: 'e', title: 'naive count-then-insert, allowed', spec: () => ({ server: naive, keyspace: KEYSPACES.naive, body: freshCallers(phones) }) },
      { id: 'b100', title: `allowed, limit ${race.limit}/h, 200 returning callers`, spec: () => ({ server: ours100, keyspace: KEYSPACES.limit100, body: returning() }) },
      { id: 'e100', title: `naive, limit ${race.limit}/h, 200 returning callers`, spec: () => ({ server: naive100, keyspace: KEYSPACES.naive, body: returning() }) },
    ];
    // One unmeasured pass first: a fresh keyspace and the JVM's cold code paths made every first
    // round markedly slower than the next two in earlier runs; the 3 s warm-up is too short for that.
    const primeS = num('BENCH_PRIME_S', 5);
    for (const p of primeS > 0 ? plan : []) {
      console.log(`bench: priming ${p.id} for ${primeS} s`);
      await retrying(cassandra, `priming ${p.id}`, () => measure({ ...p.spec(), durationS: primeS, warmupS: 0 }, cassandra!, settings));
    }
    const runs = new Map<string, Measurement[]>(plan.map((p) => [p.id, []]));
    for (let round = 1; round <= rounds; round++) {
      for (const p of plan) {
        process.stdout.write(`bench: round ${round}/${rounds} ${p.id} (${p.title}) ... `);
        const m = await retrying(cassandra, `${p.id} round ${round}`, () => measure(p.spec(), cassandra!, settings));
        runs.get(p.id)!.push(m);
        console.log(`${m.load.rps} req/s, p50 ${m.load.latency.p50} ms, p99 ${m.load.latency.p99} ms, 201/429/other ${m.load.status['201']}/${m.load.status['429']}/${m.load.status.other}, errors ${m.load.errors}`);
      }
    }
    report.scenarios = plan.map((p) => summarize(p.id, p.title, runs.get(p.id)!));

    if (sections.has('half')) {
      const rate = Math.max(10, Math.round(report.scenarios.find((s) => s.id === 'b')!.rps / 2));
      const half = async (id: string, title: string, spec: MeasureSpec) => {
        console.log(`bench: ${id} (${title}) at ${spec.rate ?? spec.autocannonRate} req/s`);
        return summarize(id, title, [await retrying(cassandra!, id, () => measure({ ...spec, body: freshCallers(phones) }, cassandra!, settings))]);
      };
      // The p99 target is judged at half load; the quarter and eighth show how the tail grows with
      // the load, which is what explains it on a box the service, Cassandra and load share.
      const allowedAt = (id: string, fraction: string, r: number) => half(id, `allowed, paced at ${fraction} of max`, { server: ours, keyspace: KEYSPACES.ours, body: freshCallers(phones), rate: r });
      report.halfLoad = {
        rate,
        rows: [
          await half('a-half', 'baseline, paced', { server: base, keyspace: KEYSPACES.baseline, body: freshCallers(phones), rate }),
          await allowedAt('b-half', '1/2', rate),
          await half('b-half-ac', 'allowed, autocannon overallRate', { server: ours, keyspace: KEYSPACES.ours, body: freshCallers(phones), autocannonRate: rate }),
          await allowedAt('b-quarter', '1/4', Math.max(5, Math.round(rate / 2))),
          await allowedAt('b-eighth', '1/8', Math.max(5, Math.round(rate / 4))),
        ],
      };
    }
    // Idle servers cost little, but the next sections start their own: free the memory and CPU.
    for (const s of [base, ours, peer, peerBlock, naive, ours100, naive100]) {
      await s.stop();
      running.splice(running.indexOf(s), 1);
    }
  }

  let limiters: LimitersResult | undefined;
  if (sections.has('limiters')) {
    limiters = await measureLimiters({ ctx, cassandra, settings, rounds, primeS: num('BENCH_PRIME_S', 5), phones, started, num });
  }

  if (sections.has('race')) report.races = await runRaces(ctx, cassandra, rules.race, phones, race.requests, race.limit, started);
  const sent = phones.used;
  if (sections.has('keys')) {
    report.keys = await measureKeys({ ctx, cassandra, settings, rulesDir: rules.signup, started, ...keysSettings() });
  }
  if (sections.has('memory')) report.cacheMemory = measureCacheMemory(root, 100_000);
  if (sections.has('cdr-export')) report.cdrExport = await retrying(cassandra, 'cdr-export', () => measureCdrExport({ root, tmp, cassandra: cassandra!, started }));
  report.distinctCallers = sent + (report.keys ? report.keys.k1k.distinctCallers! + report.keys.kMany.distinctCallers! : 0);
  report.notes.push(...notes(), ...cassandra.disturbances.map((d) => `Disturbed: ${d}.`));

  const markdown = renderMarkdown(report);
  console.log(`\n${markdown}`);
  const files = writeReport(report, join(root, 'bench/results'));
  if (limiters) {
    // report.ts knows the sections of issue 4; the limiter rows are added to the same files.
    const section = renderLimiters(limiters);
    console.log(`\n${section}`);
    for (const md of [files.md, join(root, 'bench/results/latest.md')]) appendFileSync(md, `\n${section}`);
    writeFileSync(files.json, JSON.stringify({ ...JSON.parse(readFileSync(files.json, 'utf8')), limiters }, null, 2) + '\n');
  }
  console.log(`bench: wrote ${files.json}, ${files.md} and bench/results/latest.md`);
  const missed = targets(report).filter((t) => t.met === false).length;
  console.log(`bench: ${missed} target(s) missed (see the Targets table).`);
}

function keysSettings() {
  return { wanted: num('BENCH_KEYS', 1_000_000), rate: num('BENCH_KEYS_RATE', 200), populateMaxS: num('BENCH_POPULATE_MAX_S', 420) };
}

function machineFacts(node: CassandraNode): Record<string, string | number> {
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  return {
    cpus: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}`,
    node: process.version,
    cassandra: `5.0 single node, pid ${node.pid}, ${node.started ? 'started by the bench' : 'already running'}`,
    commit: `${git(['rev-parse', '--short', 'HEAD'])}${git(['status', '--porcelain', 'src']) ? ' + uncommitted changes in src/' : ''}`,
    loadavgAtStart: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  };
}

function notes(): string[] {
  return [
    'One machine: service, Cassandra, Redis and the load generator share 2 cores, so absolute figures move with whatever else runs; compare ratios from one run.',
    'Latencies are exact per-response times measured by the load generator (not autocannon\'s 1 ms histogram); CPU is utime+stime from /proc during the measured run only.',
    'd uses RateLimiterUnion over two RateLimiterRedis (5/3600 s, 30/86400 s), fixed windows; e reads count(*) per window in parallel then INSERTs.',
    'b-half-ac uses autocannon overallRate, which sends each connection\'s per-second budget back to back at the start of every second: its latency is that of bursts. b-half is the evenly paced figure.',
  ];
}

try {
  await main();
} finally {
  await cleanup();
}
