/**
 * npm run soak (issue 5, point 7): the service on Cassandra for SOAK_MINUTES (30) at half of its
 * measured maximum load, reporting per minute the service's RSS, latency percentiles and the calls
 * table's row count. All three must level off: RSS because the partition cache is bounded
 * (PARTITION_CACHE_ENTRIES) and the workload has three times more callers than it holds; rows
 * because every row carries a TTL of the longest window plus the margin.
 *
 * Workload: 95% of requests from a pool of SOAK_POOL (300k) returning callers drawn at random,
 * each well under its limits, and 5% from 20 abusive callers far over them (denied from the
 * cache). The rule is the shipped phone rule with short windows (5 per minute, 10 per 5 minutes)
 * so that rows reach their steady state within the run: TTL = 300 s + 60 s margin.
 *
 * The row count (a paged full scan, see countRows) runs once a minute while the load goes on, so
 * each minute's p99 carries the same extra load and stays comparable. SOAK_COUNT=0 skips it. Writes
 * bench/results/soak-<date>.{json,md}. Env: SOAK_MINUTES (30), SOAK_RATE (half of the measured
 * max), SOAK_POOL (300000), SOAK_CONNECTIONS (64), SOAK_COUNT (1; 0 = no row count).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dropBenchKeyspaces, ensureCassandra, type CassandraNode } from './cassandra-node.js';
import { ruleFile, startService } from './fleet.js';
import { runLoad } from './load.js';
import { runPaced } from './paced-load.js';
import { checkPhones, phoneAt, PhoneRanges } from './phones.js';
import { rssMb } from './process-cpu.js';
import { renderSoak, type SoakMinute, type SoakReport } from './soak-report.js';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const num = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a number > 0`);
  return value;
};
const MINUTES = num('SOAK_MINUTES', 30);
const POOL = num('SOAK_POOL', 300_000);
const CONNECTIONS = num('SOAK_CONNECTIONS', 64);
const COUNT = process.env.SOAK_COUNT !== '0';
const KEYSPACE = 'tollgate_bench_soak';
const RULE_ID = 'soak-per-phone';
const LIMITS = [
  { count: 5, window: '1m' },
  { count: 10, window: '5m' },
];
const ROW_TTL_S = 300 + 60;

/** 95% returning callers at random from the pool, 5% one of 20 abusive callers. */
function workload(phones: PhoneRanges): () => string {
  const pool = phones.take(POOL);
  const abusers = phones.take(20);
  return () => {
    const index = Math.random() < 0.05 ? abusers + Math.floor(Math.random() * 20) : pool + Math.floor(Math.random() * POOL);
    return JSON.stringify({ phone: phoneAt(index) });
  };
}

/**
 * Live rows of the calls table. A single SELECT COUNT(*) scans the whole table in one burst and
 * stalls the node for as long as it takes (on this 2-core box, a p99 spike in every minute), so
 * the scan is paged instead (1000 rows a page, 10 ms apart): a trickle the soak can carry.
 * Partitions with only their static seq left count as one row, as COUNT(*) counts them.
 */
async function countRows(node: CassandraNode): Promise<number> {
  let rows = 0;
  let pageState: string | undefined;
  do {
    const page = await node.client.execute(`SELECT caller FROM ${KEYSPACE}.calls`, [], { fetchSize: 1000, pageState, readTimeout: 60_000 });
    rows += page.rows.length;
    pageState = page.pageState ?? undefined;
    await new Promise((resolve) => setTimeout(resolve, 10));
  } while (pageState);
  return rows;
}

async function main(): Promise<void> {
  const date = new Date().toISOString();
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  const phones = new PhoneRanges();
  checkPhones(POOL + 20);
  const node = await ensureCassandra(root);
  const tmp = mkdtempSync(join(tmpdir(), 'tollgate-soak-'));
  const rulesDir = join(tmp, 'rules');
  mkdirSync(rulesDir);
  writeFileSync(join(rulesDir, 'soak.json'), JSON.stringify(ruleFile(RULE_ID, LIMITS), null, 2));
  await dropBenchKeyspaces(node.client, [KEYSPACE]);
  const service = await startService({ root, tmp, redisPort: 0 }, 'soak', rulesDir, KEYSPACE);
  try {
    const body = workload(phones);
    // A freshly started node's JIT is cold: a 5 s warm-up once measured a third of the real max.
    console.log('soak: warm-up 30 s, then 20 s at full speed to find the maximum');
    await runLoad({ url: service.url, connections: 32, durationS: 30, body });
    const max = await runLoad({ url: service.url, connections: 32, durationS: 20, body });
    const rate = process.env.SOAK_RATE ? num('SOAK_RATE', 0) : Math.round(max.rps / 2);
    console.log(`soak: max ${max.rps} req/s (p99 ${max.latency.p99} ms); soaking at ${rate} req/s for ${MINUTES} min`);
    const minutes: SoakMinute[] = [];
    for (let m = 1; m <= MINUTES; m++) {
      const counting = new Promise<number>((done) => (COUNT ? setTimeout(() => countRows(node).then(done, () => done(Number.NaN)), 20_000) : done(Number.NaN)));
      const slice = await runPaced({ url: service.url, rate, durationS: 60, connections: CONNECTIONS, body });
      const row: SoakMinute = {
        minute: m,
        rps: slice.rps,
        p50: slice.latency.p50,
        p99: slice.latency.p99,
        p999: slice.latency.p999,
        admitted: slice.status['201'],
        denied: slice.status['429'],
        other: slice.status.other + slice.errors + slice.timeouts,
        otherCodes: { ...slice.otherCodes, ...(slice.errors ? { errors: slice.errors } : {}), ...(slice.timeouts ? { timeouts: slice.timeouts } : {}) },
        serviceRssMb: Math.round(rssMb(service.pid)),
        cassandraRssMb: Math.round(rssMb(node.pid)),
        rows: await counting,
      };
      minutes.push(row);
      console.log(`soak: ${JSON.stringify(row)}`);
    }
    const report: SoakReport = { date, minutes, rate, maxRps: max.rps, pool: POOL, rowTtlS: ROW_TTL_S, limits: LIMITS, connections: CONNECTIONS };
    const markdown = renderSoak(report);
    const stem = join(root, 'bench/results', `soak-${date.replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z')}`);
    writeFileSync(`${stem}.json`, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(`${stem}.md`, markdown);
    console.log(`\n${markdown}\nwritten: ${stem}.{json,md}`);
  } finally {
    await service.stop();
    await node.close();
  }
}

await main();
