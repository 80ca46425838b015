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
 * rounds while fast services finish their windows), BENCH_LIMITER_ROWS (a comma-separated list of
 * row ids to run; all by default).
 */
import { migrate } from '../src/store/cassandra/migrate.js';
import type { CassandraNode } from './cassandra-node.js';
import { dropBenchKeyspaces } from './cassandra-node.js';
import { MostlyFailed, patiently } from './patient-retry.js';
import type { FleetContext } from './fleet.js';
import { keyspaceCounters, opsBetween, opsByKeyspace, othersBetween } from './limiter-counters.js';
import { fillStrictSlots, limiterKeyspace, seedDocuments, startDecisionService, startKindService, type LimiterKind, type PacketPopulation } from './limiter-fleet.js';
import { runHttpPaced, type RowLoad } from './limiter-load.js';
import { summarizeRow, type LimitersResult, type RowRun } from './limiter-report.js';
import { limiterRows, type Row } from './limiter-rows.js';
import type { PhoneRanges } from './phones.js';
import { CpuMeter } from './process-cpu.js';
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
  }
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

  // The decision API's latency target is judged at half of its closed-loop maximum, paced evenly.
  const fastRow = rows.find((r) => r.id === 'decision-fast');
  const fastSummary = result.rows.find((r) => r.id === 'decision-fast');
  if (fastRow?.http && fastSummary) {
    const spec = fastRow.http;
    // Half is the target's load; a quarter shows how the tail moves with the load on a shared box.
    for (const [id, fraction, divisor] of [['decision-fast-half', 'half', 2], ['decision-fast-quarter', 'a quarter', 4]] as const) {
      const rate = Math.max(10, Math.round(fastSummary.dps / divisor));
      console.log(`bench: ${id} at ${rate}/s`);
      const run = await patiently(cassandra, id, (final) => measureRow(fastRow, (s) => runHttpPaced(spec, rate, settings.connections, s), cassandra, settings, final));
      console.log(`bench: ${id}: ${describe(run.load)}`);
      result.paced.push(summarizeRow(id, 'decision API, fast, single checks', `${fastRow.measures} Paced evenly at ${fraction} of the closed-loop median.`, [run], rate));
    }
  }
  result.notes.push(
    `Decision API population: ${population.accounts} accounts x ${population.devicesPerAccount} devices (checks cycle through them), ${population.strictAccounts} strict accounts for the denied rows. Fast documents are served by two services, FAST_SYNC_INTERVAL_MS at its default (50) and at ${altSyncMs}.`,
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

