/**
 * The run's figures as a table on stdout, bench/results/<ISO date>.json (everything, per round)
 * and <ISO date>.md plus latest.md (the tables docs/performance.md quotes). Targets are the ones of
 * issue 4, judged from ratios of one run since the load generator shares the machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CacheMemory } from './cache-memory.js';
import { renderCdrExport, type CdrExportResult } from './cdr-export.js';
import type { RaceRow } from './race.js';
import { ratio, type ScenarioSummary } from './summary.js';

export interface KeysResult {
  rate: number;
  populated: number;
  wanted: number;
  byAppend: { keys: number; perSecond: number };
  byInsert: { keys: number; perSecond: number; seconds: number };
  callsTableMb: number;
  k1k: ScenarioSummary;
  kMany: ScenarioSummary;
}

export interface BenchReport {
  date: string;
  machine: Record<string, string | number>;
  settings: Record<string, string | number>;
  scenarios: ScenarioSummary[];
  halfLoad: { rate: number; rows: ScenarioSummary[] } | undefined;
  keys: KeysResult | undefined;
  races: RaceRow[];
  cacheMemory?: CacheMemory;
  cdrExport?: CdrExportResult;
  distinctCallers: number;
  notes: string[];
}

export interface Target {
  target: string;
  measured: string;
  met: boolean | undefined;
}

const byId = (report: BenchReport, id: string) => [...report.scenarios, ...(report.halfLoad?.rows ?? [])].find((s) => s.id === id);
const fmt = (n: number | undefined, digits = 2) => (n === undefined || !Number.isFinite(n) ? '–' : Number(n.toFixed(digits)).toString());

export function ratios(report: BenchReport): Record<string, number> {
  const rps = (id: string) => byId(report, id)?.rps ?? Number.NaN;
  return {
    'b/a': ratio(rps('b'), rps('a')),
    'b/d': ratio(rps('b'), rps('d')),
    'c/d(denied)': ratio(rps('c'), rps('d-denied')),
    'b/e': ratio(rps('b'), rps('e')),
    'b100/e100': ratio(rps('b100'), rps('e100')),
  };
}

export function targets(report: BenchReport): Target[] {
  const r = ratios(report);
  const c = byId(report, 'c');
  const aHalf = byId(report, 'a-half');
  const bHalf = byId(report, 'b-half');
  // The deadline variants are diagnostics; the target is about the service as configured by default.
  const ours = report.races.filter((x) => x.limiter.startsWith('ours') && !x.limiter.includes('deadline'));
  const forced = report.races.filter((x) => x.limiter.includes('deadline 20 ms'));
  // A ratio that could not be computed (its section did not run) is n/a, not a miss.
  const atLeast = (v: number | undefined, min: number) => (v === undefined || Number.isNaN(v) ? undefined : v >= min);
  const out: Target[] = [
    { target: 'allowed path >= 0.7x the rate-limiter-flexible + Redis peer (b/d)', measured: `${fmt(r['b/d'])}x`, met: atLeast(r['b/d'], 0.7) },
    {
      target: 'allowed path >= 3x the naive count-then-insert at a limit of 100 (b100/e100; b/e for the signup rule)',
      measured: `${fmt(r['b100/e100'])}x (b/e ${fmt(r['b/e'])}x)`,
      met: atLeast(r['b100/e100'], 3),
    },
    { target: 'denied path >= 1.0x the peer with in-memory block (c/d denied)', measured: `${fmt(r['c/d(denied)'])}x`, met: atLeast(r['c/d(denied)'], 1) },
    {
      target: '>= 99% of denials without a Cassandra round trip',
      measured: c?.callsRoundTripsPer429 === undefined ? 'no 429s' : `${fmt(Math.max(0, 100 * (1 - c.callsRoundTripsPer429)), 1)}% (${fmt(c.callsRoundTripsPer429, 3)} round trips per 429)`,
      met: c?.callsRoundTripsPer429 === undefined ? undefined : c.callsRoundTripsPer429 <= 0.01,
    },
  ];
  if (aHalf && bHalf) {
    out.push({ target: `throttle adds <= 2 ms at p50 over the baseline (both paced at ${report.halfLoad!.rate} req/s)`, measured: `+${fmt(bHalf.p50 - aHalf.p50)} ms (${fmt(aHalf.p50)} -> ${fmt(bHalf.p50)})`, met: bHalf.p50 - aHalf.p50 <= 2 });
    out.push({ target: 'allowed-path p99 < 10 ms at half its max throughput (paced)', measured: `${fmt(bHalf.p99)} ms`, met: bHalf.p99 < 10 });
  }
  if (report.keys) {
    const { k1k, kMany } = report.keys;
    // "Flat": p50 and p99 with many keys within 25% (or 1 ms, whichever is larger) of 1k keys.
    const flat = (x: number, y: number) => y <= Math.max(x * 1.25, x + 1);
    out.push({
      target: `latency flat from 1k to ${report.keys.populated.toLocaleString('en-US')} distinct keys`,
      measured: `p50 ${fmt(k1k.p50)} -> ${fmt(kMany.p50)} ms, p99 ${fmt(k1k.p99)} -> ${fmt(kMany.p99)} ms`,
      met: flat(k1k.p50, kMany.p50) && flat(k1k.p99, kMany.p99),
    });
  }
  out.push({
    target: 'ours admits exactly the limit under concurrency (over-admission 0)',
    measured: ours.map((x) => `${x.limiter} #${x.attempt}: ${x.admitted}/${x.limit}`).join(', ') || 'not run',
    met: ours.length === 0 ? undefined : ours.every((x) => x.admitted === x.limit),
  });
  if (forced.length > 0) {
    out.push({
      target: 'no over-admission when decisions fall back (THROTTLE_DEADLINE_MS=20)',
      measured: forced.map((x) => `${x.limiter} #${x.attempt}: ${x.admitted}/${x.limit} (${x.storeAdmitted ?? '?'} in Cassandra)`).join(', '),
      met: forced.every((x) => x.admitted <= x.limit),
    });
  }
  return out;
}

function scenarioTable(rows: readonly ScenarioSummary[]): string {
  const head = '| scenario | req/s | p50 ms | p99 ms | p99.9 ms | 201 | 429 | other | errors | CPU s svc / C* / redis / loadgen / other | CPU ms/req svc / C* / redis | C* selects / replica reads / writes per req |';
  const lines = rows.map((s) =>
    [
      `${s.id}: ${s.title}`,
      s.rps,
      fmt(s.p50),
      fmt(s.p99),
      fmt(s.p999),
      s.status['201'],
      s.status['429'],
      s.status.other === 0 ? 0 : `${s.status.other} (${Object.entries(s.otherCodes).map(([c, n]) => `${c}: ${n}`).join(', ')})`,
      s.errors,
      `${fmt(s.cpuS.service, 1)} / ${fmt(s.cpuS.cassandra, 1)} / ${fmt(s.cpuS.redis, 1)} / ${fmt(s.cpuS.loadgen, 1)} / ${fmt(s.cpuS.other, 1)}`,
      `${fmt(s.cpuMsPerRequest.service, 3)} / ${fmt(s.cpuMsPerRequest.cassandra, 3)} / ${fmt(s.cpuMsPerRequest.redis, 3)}`,
      `${fmt(s.cassandraPerRequest.selects)} / ${fmt(s.cassandraPerRequest.replicaReads)} / ${fmt(s.cassandraPerRequest.writes)}`,
    ].join(' | '),
  );
  return [head, `|${' --- |'.repeat(12)}`, ...lines.map((l) => `| ${l} |`)].join('\n');
}

function disturbance(rows: readonly ScenarioSummary[]): string {
  return rows.map((s) => `${s.id} ${fmt(s.cpuS.other, 1)} / ${s.foreignCassandraOps}`).join('; ');
}

export function renderMarkdown(report: BenchReport): string {
  const out: string[] = [`# tollgate bench, ${report.date}`, ''];
  out.push(Object.entries({ ...report.machine, ...report.settings }).map(([k, v]) => `- ${k}: ${v}`).join('\n'), '');
  out.push('## Throughput (closed loop, medians over rounds; counts are totals)', '', scenarioTable(report.scenarios), '');
  out.push('Requests per second per round: ' + report.scenarios.map((s) => `${s.id} ${s.rpsPerRound.join('/')}`).join('; '), '');
  out.push(`Disturbance (medians per run): CPU s of other processes / Cassandra operations for other sessions' keyspaces: ${disturbance(report.scenarios)}.`, '');
  const denied = byId(report, 'c');
  const peerDenied = byId(report, 'd-denied');
  out.push(`Denied path, backend work per 429: ours ${fmt(denied?.callsRoundTripsPer429, 3)} calls-table round trips; peer ${fmt(peerDenied?.redisCommandsPerRequest, 3)} Redis commands per request.`, '');
  out.push('## Ratios (requests per second)', '', '| ratio | value |', '| --- | --- |', ...Object.entries(ratios(report)).map(([k, v]) => `| ${k} | ${fmt(v)} |`), '');
  if (report.halfLoad) {
    out.push(`## Paced: half of the allowed path's max (${report.halfLoad.rate} req/s), and the allowed path at a quarter and an eighth`, '', scenarioTable(report.halfLoad.rows), '');
    out.push(`Disturbance: ${disturbance(report.halfLoad.rows)}.`, '');
  }
  if (report.keys) {
    const k = report.keys;
    out.push(`## 1k vs ${k.populated.toLocaleString('en-US')} distinct keys (paced at ${k.rate} req/s)`, '');
    out.push(`Populated ${k.populated.toLocaleString('en-US')} of ${k.wanted.toLocaleString('en-US')} wanted partitions: ${k.byAppend.keys} through CassandraCallLog.append (${k.byAppend.perSecond}/s), ${k.byInsert.keys} by plain INSERT (${k.byInsert.perSecond}/s, ${k.byInsert.seconds} s); calls table ${fmt(k.callsTableMb, 1)} MiB in SSTables (memtables not counted).`, '');
    out.push(scenarioTable([k.k1k, k.kMany]), '', `Disturbance: ${disturbance([k.k1k, k.kMany])}.`, '');
  }
  out.push('## Over-admission: simultaneous requests for ONE key', '', '| limiter | attempt | requests | limit | 201 | 429 | other | over-admitted | wall ms | of the 201s, decided by Cassandra |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const x of report.races) out.push(`| ${x.limiter} | ${x.attempt} | ${x.requests} | ${x.limit} | ${x.admitted} | ${x.denied} | ${x.other} | ${x.overAdmitted} | ${x.wallMs} | ${x.storeAdmitted ?? '–'} |`);
  if (report.cacheMemory) {
    const m = report.cacheMemory;
    out.push('', '## Memory per active key of the in-process partition cache', '', `${m.entries.toLocaleString('en-US')} keys (the default PARTITION_CACHE_ENTRIES): ${m.bytesPerKey1Call} heap bytes per key holding 1 call, ${m.bytesPerKey5Calls} holding 5, ${m.bytesPerKey30Calls} holding 30 (the most the signup rule reads).`);
  }
  if (report.cdrExport) out.push('', renderCdrExport(report.cdrExport));
  out.push('', '## Targets (issue 4)', '', '| target | measured | met |', '| --- | --- | --- |');
  for (const t of targets(report)) out.push(`| ${t.target} | ${t.measured} | ${t.met === undefined ? 'n/a' : t.met ? 'yes' : 'NO'} |`);
  out.push('', `Distinct phone numbers sent over the run: ${report.distinctCallers.toLocaleString('en-US')}.`, '');
  if (report.notes.length > 0) out.push('## Notes', '', ...report.notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}

export function writeReport(report: BenchReport, dir: string): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = report.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const markdown = renderMarkdown(report);
  const json = join(dir, `${stamp}.json`);
  const md = join(dir, `${stamp}.md`);
  writeFileSync(json, JSON.stringify({ ...report, ratios: ratios(report), targets: targets(report) }, null, 2) + '\n');
  writeFileSync(md, markdown);
  writeFileSync(join(dir, 'latest.md'), markdown);
  return { json, md };
}
