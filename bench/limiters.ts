/**
 * The `limiters` section of npm run bench (alone: npm run bench:limiters): one row per limiter
 * kind beside the sliding window of the signup reference, their denied paths, and the decision
 * API (single checks, batches, Envoy's gRPC protocol, exact and fast documents), each measured
 * as decisions per second in a closed loop, with latency, the Cassandra operations and the CPU
 * one decision costs. Rows are interleaved round by round (run.ts does the same) so that a
 * disturbance of the shared box hits every row, and the figures are medians over rounds.
 *
 * Env (besides run.ts's BENCH_DURATION_S, BENCH_WARMUP_S, BENCH_PRIME_S, BENCH_CONNECTIONS,
 * BENCH_ROUNDS): BENCH_BATCH_CHECKS (50), BENCH_GRPC_IN_FLIGHT (128), BENCH_GRPC_CHANNELS (2),
 * BENCH_DECISION_ACCOUNTS (10) x BENCH_DECISION_DEVICES (10 per account), BENCH_FAST_SYNC_ALT_MS
 * (500: the sync interval of the second fast service), BENCH_FAST_DRAIN_S (60: the pause between
 * rounds while fast services finish their windows), BENCH_QUIET_MAX_S (180: the longest wait for
 * a quiet Cassandra node before the paced rows), BENCH_LIMITER_ROWS (a comma-separated list of
 * row ids to run; all by default).
 */
import { migrate } from '../src/store/cassandra/migrate.js';
import type { CassandraNode } from './cassandra-node.js';
import { dropBenchKeyspaces } from './cassandra-node.js';
import { MostlyFailed, patiently } from './patient-retry.js';
import { KEYSPACES, startPeer, type FleetContext } from './fleet.js';
import { keyspaceCounters, opsBetween, opsByKeyspace, othersBetween } from './limiter-counters.js';
import { fillStrictSlots, limiterKeyspace, seedDocuments, startDecisionService, startKindService, type LimiterKind, type PacketPopulation } from './limiter-fleet.js';
import { runHttpPaced, type RowLoad } from './limiter-load.js';
import { summarizeRow, type LimitersResult, type RowRun } from './limiter-report.js';
import { limiterRows, type Row } from './limiter-rows.js';
import type { PhoneRanges } from './phones.js';
import { cpuSeconds, CpuMeter } from './process-cpu.js';
import type { BenchSettings } from './scenarios.js';
import type { ServerProcess } from './server-process.js';

export interface LimitersOptions {
  ctx: FleetContext;
  cassandra: CassandraNode;
  settings: BenchSettings;
  rounds: number;
  primeS: number;
  phones: PhoneRanges;
  /** Starts a server and registers it for the run's cleanup. */
  started: (server: Promise<ServerProcess>) => Promise<ServerProcess>;
  num: (name: string, fallback: number) => number;
}

export const LIMITER_KEYSPACES = ['window', 'interval', 'concurrent', 'carriers', 'bucket', 'shared', 'fast', 'dx', 'df', 'dfalt'].map(limiterKeyspace);

export async function measureLimiters(options: LimitersOptions): Promise<LimitersResult> {
  const { ctx, cassandra, settings, num } = options;
  await patiently(options.cassandra, 'dropping the limiter keyspaces', () => dropBenchKeyspaces(options.cassandra.client, LIMITER_KEYSPACES));
  const mine: ServerProcess[] = [];
  const started = async (server: Promise<ServerProcess>) => {
    const s = await options.started(server);
    mine.push(s);
    return s;
  };
  try {
    return await measureAll(options, started);
  } finally {
    // Idle services still sync and poll: the next sections should not share the box with them.
    for (const s of mine) await s.stop();
    // Ten keyspaces of some 25 tables each weigh on a shared node's small heap; the figures are in the report.
    await dropBenchKeyspaces(options.cassandra.client, LIMITER_KEYSPACES).catch((e: Error) => console.error(`bench: limiter keyspaces not dropped: ${e.message}`));
  }
}

/**
 * Waits until the Cassandra process uses under a tenth of a core over 5 s, at most `maxS`: the
 * closed-loop rows leave the node flushing, compacting and collecting for a minute or two after
 * them (in run 2026-11-26T09-31-40Z, 29-42 GC pauses a minute against 4-6 when quiet), and the
 * first paced row measured that instead of its own load (p99 64.7 ms in its first round, 12.3 in
 * its second). Says in the report how long it waited and what the node used.
 */
async function waitForQuietNode(pid: number, maxS: number): Promise<string> {
  const started = Date.now();
  let used = Number.NaN;
  while (Date.now() - started < maxS * 1000) {
    const before = cpuSeconds(pid);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    used = cpuSeconds(pid) - before;
    if (used < 0.5) break;
  }
  const waited = Math.round((Date.now() - started) / 1000);
  const note = `Before the paced rows the bench waited ${waited} s for the Cassandra node to quiet down (under 0.1 core over 5 s, at most ${maxS} s): its last 5 s used ${used.toFixed(2)} s of CPU.`;
  console.log(`bench: ${note}`);
  return note;
}

async function measureAll(options: LimitersOptions, started: LimitersOptions['started']): Promise<LimitersResult> {
  const { ctx, cassandra, settings, num } = options;
  // Schema changes are slow on a busy node: made here with the bench's long timeout, so that each
  // service's own migration (IF NOT EXISTS) finds its tables and starts within its 2 s timeouts.
  for (const keyspace of LIMITER_KEYSPACES) {
    await patiently(cassandra, `migrating ${keyspace}`, () => migrate(cassandra.client, { keyspace, replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}" }));
  }
  const kinds = new Map<LimiterKind, ServerProcess>();
  for (const kind of ['window', 'interval', 'concurrent', 'carriers', 'bucket', 'shared', 'fast'] as const) {
    kinds.set(kind, await started(startKindService(ctx, kind)));
  }
  await fillStrictSlots(cassandra.client, 'concurrent');
  await fillStrictSlots(cassandra.client, 'carriers');
  const population: PacketPopulation = { accounts: num('BENCH_DECISION_ACCOUNTS', 10), devicesPerAccount: num('BENCH_DECISION_DEVICES', 10), strictAccounts: 5 };
  const altSyncMs = num('BENCH_FAST_SYNC_ALT_MS', 500);
  const decision = async (name: string, keyspace: string, consistency: 'exact' | 'fast', env: Record<string, string> = {}) => {
    const server = (await started(startDecisionService(ctx, name, limiterKeyspace(keyspace), env))) as ServerProcess & { grpcPort: number };
    await seedDocuments(cassandra.client, limiterKeyspace(keyspace), consistency, population);
    return server;
  };
  const decisions = {
    exact: await decision('lim-decisions-exact', 'dx', 'exact'),
    fast: await decision('lim-decisions-fast', 'df', 'fast'),
    fastAltSync: await decision(`lim-decisions-fast-sync${altSyncMs}`, 'dfalt', 'fast', { FAST_SYNC_INTERVAL_MS: String(altSyncMs) }),
  };

  const peerBlock = { server: await started(startPeer(ctx, 'lim-peer-block', '5/3600,30/86400', true)), keyspace: KEYSPACES.peer };

  const only = process.env.BENCH_LIMITER_ROWS?.split(',').map((s) => s.trim()).filter(Boolean);
  const rows = limiterRows({
    kinds,
    decisions,
    altSyncMs,
    phones: options.phones,
    population,
    connections: settings.connections,
    batchChecks: num('BENCH_BATCH_CHECKS', 50),
    grpc: { inFlight: num('BENCH_GRPC_IN_FLIGHT', 128), channels: num('BENCH_GRPC_CHANNELS', 2) },
    peerBlock,
  }).filter((row) => !only || only.includes(row.id));

  for (const row of options.primeS > 0 ? rows : []) {
    console.log(`bench: priming ${row.id} for ${options.primeS} s`);
    await patiently(cassandra, `priming ${row.id}`, () => row.run(options.primeS));
  }
  const runs = new Map<string, RowRun[]>(rows.map((r) => [r.id, []]));
  const drainS = num('BENCH_FAST_DRAIN_S', 60);
  for (let round = 1; round <= options.rounds; round++) {
    for (const row of rows) {
      process.stdout.write(`bench: round ${round}/${options.rounds} ${row.id} (${row.title}) ... `);
      const run = await patiently(cassandra, `${row.id} round ${round}`, (final) => measureRow(row, row.run, cassandra, settings, final));
      runs.get(row.id)!.push(run);
      console.log(describe(run.load));
    }
    // A fast service shares the counts of its running windows until they end (a minute for
    // per_minute): waited out between rounds, so that it does not load the box under the next ones.
    if (round < options.rounds && rows.some((r) => r.leavesSyncing) && drainS > 0) {
      console.log(`bench: waiting ${drainS} s for the fast services' windows to end`);
      await new Promise((resolve) => setTimeout(resolve, drainS * 1000));
    }
  }
  const result: LimitersResult = { rows: rows.map((r) => summarizeRow(r.id, r.title, r.measures, runs.get(r.id)!)), paced: [], notes: [] };

  // The decision API's latency target: p99 < 10 ms at half of 10,000/s, paced evenly, for both
  // sync intervals; for the default one also at half and a quarter of its own closed-loop median,
  // which show how the tail moves with the load on a shared box.
  const targetRate = num('BENCH_TARGET_PACED_RATE', 5_000);
  // The slower sync's service first, after a drain: the default one's windows, still syncing, would load its run.
  const pacedPlan: Array<{ of: string; id: string; rate: (median: number) => number; what: string }> = [
    { of: `decision-fast-sync${altSyncMs}`, id: `decision-fast-sync${altSyncMs}-paced${targetRate}`, rate: () => targetRate, what: `at ${targetRate}/s, half of the 10,000/s target` },
    { of: 'decision-fast', id: `decision-fast-paced${targetRate}`, rate: () => targetRate, what: `at ${targetRate}/s, half of the 10,000/s target` },
    { of: 'decision-fast', id: 'decision-fast-half', rate: (m) => m / 2, what: 'at half of the closed-loop median' },
    { of: 'decision-fast', id: 'decision-fast-quarter', rate: (m) => m / 4, what: 'at a quarter of the closed-loop median' },
  ];
  // Idle services are not free on a 2-core box: each polls Cassandra every second, on the same
  // second boundary as the others. The paced rows judge a tail latency, so only the services they
  // measure stay up, and each goes once no later paced row needs it.
  const pacedRows = pacedPlan.map((plan) => rows.find((r) => r.id === plan.of)).filter((r): r is Row => r !== undefined);
  const everyServer = new Set<ServerProcess>([...kinds.values(), ...Object.values(decisions), peerBlock.server]);
  if (pacedRows.length > 0) for (const server of everyServer) if (!pacedRows.some((r) => r.server === server)) await server.stop();
  if (pacedPlan.some((plan) => rows.some((r) => r.id === plan.of))) {
    if (drainS > 0) {
      console.log(`bench: waiting ${drainS} s for the fast services' windows to end`);
      await new Promise((resolve) => setTimeout(resolve, drainS * 1000));
    }
    result.notes.push(await waitForQuietNode(cassandra.pid, num('BENCH_QUIET_MAX_S', 180)));
  }
  for (const plan of pacedPlan) {
    const row = rows.find((r) => r.id === plan.of);
    const summary = result.rows.find((r) => r.id === plan.of);
    if (!row?.http || !summary) continue;
    const spec = row.http;
    const rate = Math.max(10, Math.round(plan.rate(summary.dps)));
    // As many rounds as the closed-loop rows, the median reported: one 8 s run's p99 on a shared
    // box moves by a factor of two from one run to the next.
    const pacedRuns: RowRun[] = [];
    for (let round = 1; round <= options.rounds; round++) {
      console.log(`bench: ${plan.id} at ${rate}/s, round ${round}/${options.rounds}`);
      const run = await patiently(cassandra, plan.id, (final) => measureRow(row, (s) => runHttpPaced(spec, rate, settings.connections, s), cassandra, settings, final));
      console.log(`bench: ${plan.id}: ${describe(run.load)}`);
      pacedRuns.push(run);
    }
    const later = pacedPlan.slice(pacedPlan.indexOf(plan) + 1);
    if (!later.some((next) => rows.find((r) => r.id === next.of)?.server === row.server)) await row.server.stop();
    result.paced.push(summarizeRow(plan.id, row.title, `${row.measures} Paced evenly ${plan.what}.`, pacedRuns, rate));
  }
  result.notes.push(
    `Decision API population: ${population.accounts} accounts x ${population.devicesPerAccount} devices (checks cycle through them), ${population.strictAccounts} strict accounts for the denied rows. Fast documents are served by two services, FAST_SYNC_INTERVAL_MS at its default (50) and at ${altSyncMs}.`,
    'The paced rows run after every other service of the section has stopped (idle services poll Cassandra each second, all on the same second boundary); each paced row\'s service stops once no later paced row needs it.',
    'C* operations are the node\'s own counters for the row\'s keyspace (bench/limiter-counters.ts): selects, plain writes, and LWTs (applied or not; applied in brackets).',
  );
  return result;
}

async function measureRow(row: Row, run: (durationS: number) => Promise<RowLoad>, cassandra: CassandraNode, settings: BenchSettings, final: boolean): Promise<RowRun> {
  if (settings.warmupS > 0) await run(settings.warmupS);
  const keyspace = row.keyspace;
  const meter = new CpuMeter({ service: row.server.pid, cassandra: cassandra.pid });
  const before = await keyspaceCounters(cassandra.client, keyspace);
  const othersBefore = await opsByKeyspace(cassandra.client);
  meter.start();
  const load = await run(settings.durationS);
  const cpu = meter.stop();
  const after = await keyspaceCounters(cassandra.client, keyspace);
  const others = othersBetween(othersBefore, await opsByKeyspace(cassandra.client), keyspace);
  const failed = Object.values(load.failed).reduce((sum, n) => sum + n, 0);
  if (!final && failed > 0.2 * Math.max(1, load.answers)) throw new MostlyFailed(`${failed} of ${load.answers} answers failed`);
  return { load, cpu, ops: opsBetween(before, after), benchOps: others.bench, foreignOps: others.foreign };
}

function describe(load: RowLoad): string {
  const failed = Object.entries(load.failed).map(([k, n]) => `${k}: ${n}`).join(', ');
  return `${load.dps} decisions/s, p50 ${load.latency.p50} ms, p99 ${load.latency.p99} ms, admitted/refused ${load.admitted}/${load.refused}${failed ? `, failed ${failed}` : ''}`;
}

