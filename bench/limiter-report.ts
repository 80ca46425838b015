/**
 * The limiter rows' figures (bench/limiters.ts): medians over the interleaved rounds, costs per
 * DECISION (a batch answer holds 50, so per request would hide what a decision costs), the
 * ratios and targets of the decision API, and the markdown table the run's report gets.
 */
import { median, type LatencySummary } from './latency-recorder.js';
import type { CassandraOps } from './limiter-counters.js';
import type { RowLoad } from './limiter-load.js';
import type { CpuReading } from './process-cpu.js';

/** One measured run of one row. */
export interface RowRun {
  load: RowLoad;
  cpu: CpuReading;
  ops: CassandraOps;
  /** Operations on the bench's other keyspaces / on foreign keyspaces during the run. */
  benchOps: number;
  foreignOps: number;
}

export interface RowSummary {
  id: string;
  title: string;
  /** What one decision of the row is, in words. */
  measures: string;
  rounds: number;
  dps: number;
  dpsPerRound: number[];
  /** The p99 of each round (ms), for the paced rows, whose target is a p99. */
  p99PerRound: number[];
  /** Latency of an answer (a batch answer: of all its decisions). */
  latency: Pick<LatencySummary, 'p50' | 'p99' | 'p999'>;
  admitted: number;
  refused: number;
  failed: Record<string, number>;
  perDecision: { selects: number; plainWrites: number; lwts: number; lwtsApplied: number; cpuMsService: number; cpuMsCassandra: number };
  cpuS: { service: number; cassandra: number; loadgen: number; other: number };
  disturbance: { benchOps: number; foreignOps: number };
  /** Set on paced rows. */
  rate?: number;
}

const r2 = (n: number) => Math.round(n * 100) / 100;
const r3 = (n: number) => Math.round(n * 1000) / 1000;

export function summarizeRow(id: string, title: string, measures: string, runs: readonly RowRun[], rate?: number): RowSummary {
  const med = (f: (r: RowRun) => number) => median(runs.map(f));
  const per = (r: RowRun, v: number) => (r.load.decisions > 0 ? v / r.load.decisions : Number.NaN);
  const failed: Record<string, number> = {};
  for (const r of runs) for (const [why, n] of Object.entries(r.load.failed)) failed[why] = (failed[why] ?? 0) + n;
  return {
    id,
    title,
    measures,
    rounds: runs.length,
    dps: Math.round(med((r) => r.load.dps)),
    dpsPerRound: runs.map((r) => r.load.dps),
    p99PerRound: runs.map((r) => r2(r.load.latency.p99)),
    latency: { p50: r2(med((r) => r.load.latency.p50)), p99: r2(med((r) => r.load.latency.p99)), p999: r2(med((r) => r.load.latency.p999)) },
    admitted: runs.reduce((s, r) => s + r.load.admitted, 0),
    refused: runs.reduce((s, r) => s + r.load.refused, 0),
    failed,
    perDecision: {
      selects: r3(med((r) => per(r, r.ops.selects))),
      plainWrites: r3(med((r) => per(r, r.ops.plainWrites))),
      lwts: r3(med((r) => per(r, r.ops.lwts))),
      lwtsApplied: r3(med((r) => per(r, r.ops.lwtsApplied))),
      cpuMsService: r3(med((r) => per(r, (r.cpu.service ?? Number.NaN) * 1000))),
      cpuMsCassandra: r3(med((r) => per(r, (r.cpu.cassandra ?? Number.NaN) * 1000))),
    },
    cpuS: {
      service: r2(med((r) => r.cpu.service ?? Number.NaN)),
      cassandra: r2(med((r) => r.cpu.cassandra ?? Number.NaN)),
      loadgen: r2(med((r) => r.cpu.loadgen ?? Number.NaN)),
      other: r2(med((r) => r.cpu.other ?? Number.NaN)),
    },
    disturbance: { benchOps: Math.round(med((r) => r.benchOps)), foreignOps: Math.round(med((r) => r.foreignOps)) },
    ...(rate === undefined ? {} : { rate }),
  };
}

export interface LimitersResult {
  rows: RowSummary[];
  /** The paced row(s) of the decision API. */
  paced: RowSummary[];
  notes: string[];
}

const fmt = (n: number | undefined, digits = 2) => (n === undefined || !Number.isFinite(n) ? '–' : Number(n.toFixed(digits)).toString());
const byId = (result: LimitersResult, id: string) => [...result.rows, ...result.paced].find((r) => r.id === id);
const ratioOf = (a: RowSummary | undefined, b: RowSummary | undefined) => (a && b && b.dps > 0 ? r2(a.dps / b.dps) : Number.NaN);

export function limiterRatios(result: LimitersResult): Record<string, number> {
  const ref = byId(result, 'window');
  return {
    'decision exact / window (signup allowed)': ratioOf(byId(result, 'decision-exact'), ref),
    'decision fast / window': ratioOf(byId(result, 'decision-fast'), ref),
    'decision fast batch / single': ratioOf(byId(result, 'decision-fast-batch'), byId(result, 'decision-fast')),
    'gRPC fast / HTTP single fast': ratioOf(byId(result, 'grpc-fast'), byId(result, 'decision-fast')),
    'bucket returning / bucket fresh': ratioOf(byId(result, 'bucket-returning'), byId(result, 'bucket-fresh')),
    'window fast / window exact': ratioOf(byId(result, 'window-fast'), ref),
    'decision fast, slower sync / default sync': ratioOf(result.rows.find((r) => r.id.startsWith('decision-fast-sync')), byId(result, 'decision-fast')),
  };
}

export function limiterTargets(result: LimitersResult): Array<{ target: string; measured: string; met: boolean | undefined }> {
  const fast = byId(result, 'decision-fast');
  const batch = byId(result, 'decision-fast-batch');
  const grpcFast = byId(result, 'grpc-fast');
  const paced = result.paced.find((r) => /^decision-fast-paced\d+$/.test(r.id)) ?? result.paced.find((r) => r.id === 'decision-fast-half');
  const pacedAlt = result.paced.find((r) => /^decision-fast-sync\d+-paced\d+$/.test(r.id));
  const exactRatio = limiterRatios(result)['decision exact / window (signup allowed)']!;
  const peer = byId(result, 'peer-denied');
  const denied = result.rows.filter((r) => r.id.endsWith('-denied') && r !== peer);
  const vsPeer = (r: RowSummary) => (peer ? r.dps / peer.dps : Number.NaN);
  const opsOf = (r: RowSummary) => r.perDecision.selects + r.perDecision.plainWrites + r.perDecision.lwts;
  return [
    {
      target: 'decision API, fast mode: >= 10,000 decisions/s (service, Cassandra and load on this box)',
      measured: `single check over HTTP ${fmt(fast?.dps, 0)}/s; batch of 50 ${fmt(batch?.dps, 0)}/s; gRPC ${fmt(grpcFast?.dps, 0)}/s`,
      met: fast ? fast.dps >= 10_000 : undefined,
    },
    {
      target: 'decision API, fast mode: p99 < 10 ms at half that rate (paced, single checks, default sync)',
      measured:
        (paced ? `${fmt(paced.latency.p99)} ms at ${paced.rate}/s (p50 ${fmt(paced.latency.p50)} ms)` : 'not run') +
        (pacedAlt ? `; ${pacedAlt.id.replace(/-paced\d+$/, '')}: ${fmt(pacedAlt.latency.p99)} ms at ${pacedAlt.rate}/s` : ''),
      met: paced ? paced.latency.p99 < 10 && (paced.rate ?? 0) >= 5_000 : undefined,
    },
    {
      target: 'decision API, exact mode: no slower than the signup allowed path',
      measured: `${fmt(exactRatio)}x (${fmt(byId(result, 'decision-exact')?.dps, 0)} vs ${fmt(byId(result, 'window')?.dps, 0)} decisions/s)`,
      met: Number.isNaN(exactRatio) ? undefined : exactRatio >= 1,
    },
    {
      target: 'denied decisions of every kind answered without a Cassandra round trip',
      measured: denied.map((r) => `${r.id.replace(/-denied$/, '')} ${fmt(opsOf(r), 3)}`).join(', ') || 'not run',
      met: denied.length === 0 ? undefined : denied.every((r) => opsOf(r) <= 0.01),
    },
    {
      target: "denied decisions of every kind at least as fast as rate-limiter-flexible's in-memory block (peer-denied, same rounds)",
      measured: peer
        ? `peer ${fmt(peer.dps, 0)}/s (${fmt(peer.perDecision.cpuMsService, 3)} ms svc CPU); ` +
          denied.map((r) => `${r.id.replace(/-denied$/, '')} ${fmt(vsPeer(r))}x (${fmt(r.perDecision.cpuMsService, 3)} ms)`).join(', ')
        : 'not run',
      met: peer && denied.length > 0 ? denied.every((r) => vsPeer(r) >= 1) : undefined,
    },
  ];
}

function table(rows: readonly RowSummary[]): string[] {
  const head = '| row | decisions/s | p50 ms | p99 ms | admitted / refused / failed | C* per decision: selects / plain writes / LWTs (applied) | CPU ms per decision svc / C* | CPU s svc / C* / loadgen / other |';
  const out = [head, `|${' --- |'.repeat(8)}`];
  for (const r of rows) {
    const failed = Object.values(r.failed).reduce((s, n) => s + n, 0);
    const failedText = failed === 0 ? '0' : `${failed} (${Object.entries(r.failed).map(([k, n]) => `${k}: ${n}`).join(', ')})`;
    const d = r.perDecision;
    out.push(
      `| ${r.id}: ${r.title}${r.rate ? ` (paced ${r.rate}/s)` : ''} | ${r.dps} | ${fmt(r.latency.p50)} | ${fmt(r.latency.p99)} | ${r.admitted} / ${r.refused} / ${failedText} | ` +
        `${fmt(d.selects, 3)} / ${fmt(d.plainWrites, 3)} / ${fmt(d.lwts, 3)} (${fmt(d.lwtsApplied, 3)}) | ${fmt(d.cpuMsService, 3)} / ${fmt(d.cpuMsCassandra, 3)} | ` +
        `${fmt(r.cpuS.service, 1)} / ${fmt(r.cpuS.cassandra, 1)} / ${fmt(r.cpuS.loadgen, 1)} / ${fmt(r.cpuS.other, 1)} |`,
    );
  }
  return out;
}

export function renderLimiters(result: LimitersResult): string {
  const all = [...result.rows, ...result.paced];
  const out = ['## Limiters and the decision API (closed loop, medians over rounds; counts are totals)', '', ...table(result.rows), ''];
  if (result.paced.length > 0) {
    out.push('Paced (medians over rounds):', '', ...table(result.paced), '');
    out.push('p99 ms per round (paced): ' + result.paced.map((r) => `${r.id} ${r.p99PerRound.join(' / ')}`).join('; '), '');
  }
  out.push('Decisions per second per round: ' + result.rows.map((r) => `${r.id} ${r.dpsPerRound.join('/')}`).join('; '), '');
  out.push(`Disturbance (medians per run): operations on the bench's other keyspaces / on foreign keyspaces: ${all.map((r) => `${r.id} ${r.disturbance.benchOps} / ${r.disturbance.foreignOps}`).join('; ')}.`, '');
  out.push('What one decision of each row is:', '', ...all.map((r) => `- **${r.id}**: ${r.measures}`), '');
  out.push('| ratio (decisions/s) | value |', '| --- | --- |', ...Object.entries(limiterRatios(result)).map(([k, v]) => `| ${k} | ${fmt(v)} |`), '');
  out.push('| target (decision API) | measured | met |', '| --- | --- | --- |');
  for (const t of limiterTargets(result)) out.push(`| ${t.target} | ${t.measured} | ${t.met === undefined ? 'n/a' : t.met ? 'yes' : 'NO'} |`);
  if (result.notes.length > 0) out.push('', ...result.notes.map((n) => `- ${n}`));
  out.push('');
  return out.join('\n');
}
