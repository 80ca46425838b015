/**
 * The CDR export bench (issue 10): BENCH_CDRS (100,000) CDRs of one account on the Cassandra
 * node, the service started from dist/ as its own process on that keyspace (so its RSS is its
 * own), and GET .../cdrs/export of the whole range as CSV and as NDJSON, with a fast reader
 * (median of BENCH_CDR_RUNS, 3) and with a slow one (BENCH_CDR_SLOW_KBPS, 2048 KiB/s, once).
 * Records time, rows/s, bytes and the service's peak RSS; also a one-day export for scale.
 *
 * A section of `npm run bench` (BENCH_SECTIONS=cdr-export), or alone:
 *   npm run bench:cdr-export      (builds first unless BENCH_BUILD=0; writes bench/results/cdr-export-<date>.{json,md})
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureCassandra, type CassandraNode } from './cassandra-node.js';
import { exportOnce, type ExportRun } from './cdr-export-client.js';
import { CDR_KEYSPACE, seedCdrKeyspace } from './cdr-seed.js';
import { startService } from './fleet.js';
import { rssMb } from './process-cpu.js';
import type { ServerProcess } from './server-process.js';

export interface CdrExportRow {
  id: string;
  format: 'csv' | 'ndjson';
  reader: string;
  runs: ExportRun[];
  /** Field by field medians of the runs (peak RSS: the largest). */
  median: ExportRun;
}

export interface CdrExportResult {
  cdrs: number;
  seedSeconds: number;
  seedPerSecond: number;
  rangeDays: number;
  slowKiBps: number;
  /** The service's RSS after start and one listing, before any export, MiB. */
  rssIdleMb: number;
  rows: CdrExportRow[];
  /** /proc/loadavg (1, 5, 15 min) before and after: the machine is shared. */
  loadavg: { before: string; after: string };
}

export interface CdrExportOptions {
  root: string;
  tmp: string;
  cassandra: CassandraNode;
  /** Registers the service for cleanup (run.ts stops it on Ctrl-C). */
  started?: (server: Promise<ServerProcess>) => Promise<ServerProcess>;
}

const num = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a number > 0`);
  return value;
};

export async function measureCdrExport(options: CdrExportOptions): Promise<CdrExportResult> {
  const loadBefore = loadavg();
  const count = num('BENCH_CDRS', 100_000);
  const runs = num('BENCH_CDR_RUNS', 3);
  const slowKiBps = num('BENCH_CDR_SLOW_KBPS', 2048);
  console.log(`bench: seeding ${count.toLocaleString('en-US')} CDRs in ${CDR_KEYSPACE} (64 inserts in flight)`);
  const seeded = await seedCdrKeyspace(options.cassandra.client, count, Date.now());
  console.log(`bench: seeded in ${seeded.seedSeconds.toFixed(1)} s`);
  const rules = join(options.tmp, 'rules-cdr-none');
  mkdirSync(rules, { recursive: true });
  const start = startService({ root: options.root, tmp: options.tmp, redisPort: 0 }, 'service-cdr-export', rules, CDR_KEYSPACE);
  const service = await (options.started ? options.started(start) : start);
  try {
    const authorization = `Bearer ${seeded.authToken}`;
    const base = `${service.url}/v1/accounts/${seeded.accountId}/cdrs`;
    const range = (fromMs: number) => `startDate=${new Date(fromMs).toISOString()}&endDate=${new Date(seeded.toMs).toISOString()}`;
    // One listing first: the service's connection pool and prepared statements are warm, like a service in use.
    const listing = await fetch(`${base}?pageSize=10`, { headers: { authorization } });
    if (listing.status !== 200) throw new Error(`bench: CDR listing answered ${listing.status}: ${await listing.text()}`);
    const rssIdleMb = Math.round(rssMb(service.pid) * 10) / 10;
    // The one-day export first: its peak is what a small export costs a fresh service, which the
    // full range's peak is compared with (V8's heap grows to its working size once, then stays).
    const plan = [
      { id: 'csv-1day', format: 'csv' as const, reader: 'fast, last day only', times: runs, lastDayOnly: true },
      { id: 'csv-fast', format: 'csv' as const, reader: 'fast', times: runs },
      { id: 'ndjson-fast', format: 'ndjson' as const, reader: 'fast', times: runs },
      { id: 'csv-slow', format: 'csv' as const, reader: `slow, ${slowKiBps} KiB/s`, times: 1 },
      { id: 'ndjson-slow', format: 'ndjson' as const, reader: `slow, ${slowKiBps} KiB/s`, times: 1 },
    ];
    const rows: CdrExportRow[] = [];
    for (const p of plan) {
      const lastDayOnly = 'lastDayOnly' in p;
      const fromMs = lastDayOnly ? seeded.toMs - 86_400_000 : seeded.fromMs;
      const url = `${base}/export?${range(fromMs)}&format=${p.format}`;
      const done: ExportRun[] = [];
      for (let i = 0; i < p.times; i++) {
        process.stdout.write(`bench: CDR export ${p.id} run ${i + 1}/${p.times} ... `);
        const run = await exportOnce(service.pid, { url, authorization, header: p.format === 'csv', bytesPerSecond: p.reader.startsWith('slow') ? slowKiBps * 1024 : undefined });
        if (!lastDayOnly && run.rows !== count) throw new Error(`bench: export ${p.id} gave ${run.rows} rows, not ${count}`);
        console.log(`${run.rows} rows in ${run.ms} ms (${run.rowsPerSecond} rows/s), peak RSS ${run.peakRssMb} MiB`);
        done.push(run);
      }
      rows.push({ id: p.id, format: p.format, reader: p.reader, runs: done, median: medianRun(done) });
    }
    return { cdrs: count, seedSeconds: Math.round(seeded.seedSeconds * 10) / 10, seedPerSecond: Math.round(count / seeded.seedSeconds), rangeDays: Math.round((seeded.toMs - seeded.fromMs) / 86_400_000), slowKiBps, rssIdleMb, rows, loadavg: { before: loadBefore, after: loadavg() } };
  } finally {
    await service.stop();
  }
}

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function medianRun(runs: readonly ExportRun[]): ExportRun {
  const median = (pick: (r: ExportRun) => number) => {
    const sorted = runs.map(pick).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  };
  const keys = Object.keys(runs[0]!) as Array<keyof ExportRun>;
  const out = Object.fromEntries(keys.map((k) => [k, median((r) => r[k])])) as unknown as ExportRun;
  return { ...out, peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)) };
}

export function renderCdrExport(result: CdrExportResult): string {
  const mib = (bytes: number) => (bytes / 1048576).toFixed(1);
  return [
    `## CDR export: ${result.cdrs.toLocaleString('en-US')} CDRs of one account over ${result.rangeDays} days, on Cassandra`,
    '',
    `Seeded in ${result.seedSeconds} s (${result.seedPerSecond.toLocaleString('en-US')} CDRs/s, 64 prepared inserts in flight). The service (node dist/main.js, its own process) had ${result.rssIdleMb} MiB resident before the first export. Load average ${result.loadavg.before} before, ${result.loadavg.after} after (${cpus().length} cores shared with Cassandra, the reader and whatever else runs).`,
    '',
    '| export | reader | runs | time s | first byte ms | rows | rows/s | MiB | service CPU s | service RSS before / peak MiB |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...result.rows.map((r) => {
      const m = r.median;
      return `| ${r.id} | ${r.reader} | ${r.runs.length} | ${(m.ms / 1000).toFixed(2)} | ${m.firstByteMs} | ${m.rows.toLocaleString('en-US')} | ${m.rowsPerSecond.toLocaleString('en-US')} | ${mib(m.bytes)} | ${m.serviceCpuS} | ${m.rssBeforeMb} / ${m.peakRssMb} |`;
    }),
    '',
    'Medians of the runs; peak RSS is the largest of the runs (VmHWM reset before each export, and VmRSS sampled every 50 ms). The slow reader pauses the response to hold its pace, so TCP flow control and the service\'s backpressure set the export\'s speed.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
  if (process.env.BENCH_BUILD !== '0') {
    console.log('bench: npm run build');
    execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  }
  const tmp = mkdtempSync(join(tmpdir(), 'tollgate-bench-cdr-'));
  console.log(`bench: server log in ${tmp}`);
  const cassandra = await ensureCassandra(root);
  try {
    const result = await measureCdrExport({ root, tmp, cassandra });
    const markdown = `# tollgate CDR export bench, ${new Date().toISOString()}\n\n${renderCdrExport(result)}`;
    console.log(`\n${markdown}`);
    const stamp = new Date().toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
    const dir = join(root, 'bench/results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `cdr-export-${stamp}.json`), JSON.stringify(result, null, 2) + '\n');
    writeFileSync(join(dir, `cdr-export-${stamp}.md`), markdown);
    console.log(`bench: wrote bench/results/cdr-export-${stamp}.{json,md}`);
  } finally {
    await cassandra.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
