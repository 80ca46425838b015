/**
 * What the prune job's partition registry costs on the decision path (issue 11): the same
 * service, rules and load twice, once with the registry (PRUNE_CRON's default) and once with
 * PRUNE_CRON=off, against one Cassandra node. The load is scenario b of `npm run bench`: signups
 * from a fresh phone number each, so every admission is a new partition and registers it (the
 * worst case: a returning caller registers once a day). Rounds interleave the two services and
 * medians are reported, with their ratio.
 *
 *   npm run bench:registry   (builds first unless BENCH_BUILD=0; BENCH_DURATION_S, BENCH_ROUNDS, BENCH_CONNECTIONS)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dropBenchKeyspaces, ensureCassandra } from './cassandra-node.js';
import { startService, writeRulesDirs } from './fleet.js';
import { runLoad, type LoadResult } from './load.js';
import { PhoneRanges } from './phones.js';
import { freshCallers } from './scenarios.js';

const KEYSPACES = { on: 'tollgate_bench_registry_on', off: 'tollgate_bench_registry_off' } as const;
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
  if (process.env.BENCH_BUILD !== '0') execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  const durationS = num('BENCH_DURATION_S', 10);
  const rounds = num('BENCH_ROUNDS', 3);
  const connections = num('BENCH_CONNECTIONS', 32);
  const tmp = mkdtempSync(join(tmpdir(), 'tollgate-bench-registry-'));
  const cassandra = await ensureCassandra(root);
  const ctx = { root, tmp, redisPort: 0 };
  try {
    await dropBenchKeyspaces(cassandra.client, Object.values(KEYSPACES));
    const rules = writeRulesDirs(tmp, 100);
    const services = {
      on: await startService(ctx, 'registry-on', rules.signup, KEYSPACES.on),
      off: await startService(ctx, 'registry-off', rules.signup, KEYSPACES.off, { PRUNE_CRON: 'off' }),
    };
    const phones = new PhoneRanges(7_000_000);
    const results: Record<'on' | 'off', LoadResult[]> = { on: [], off: [] };
    try {
      // Unmeasured warm-up of both (JIT, prepared statements, Cassandra's caches).
      for (const id of ['on', 'off'] as const) await runLoad({ url: `${services[id].url}/v1/signup`, connections, durationS: 3, body: freshCallers(phones) });
      for (let round = 1; round <= rounds; round++) {
        for (const id of round % 2 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
          const result = await runLoad({ url: `${services[id].url}/v1/signup`, connections, durationS, body: freshCallers(phones) });
          results[id].push(result);
          console.log(`bench: round ${round}/${rounds} registry ${id}: ${result.rps} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, 201 ${result.status['201']}, other ${result.status.other}`);
        }
      }
    } finally {
      await Promise.all(Object.values(services).map((s) => s.stop()));
    }
    const row = (id: 'on' | 'off') => ({ rps: median(results[id].map((r) => r.rps)), p50: median(results[id].map((r) => r.latency.p50)), p99: median(results[id].map((r) => r.latency.p99)) });
    const on = row('on');
    const off = row('off');
    const markdown = [
      `# tollgate: the prune registry's cost on the decision path, ${new Date().toISOString()}`,
      '',
      `Signups from a fresh phone number each (every admission a new partition), ${connections} connections, ${durationS} s x ${rounds} interleaved rounds, medians. One Cassandra node, 2 shared cores.`,
      '',
      '| service | req/s | p50 ms | p99 ms |',
      '| --- | --- | --- | --- |',
      `| registry on (PRUNE_CRON default) | ${on.rps} | ${on.p50} | ${on.p99} |`,
      `| registry off (PRUNE_CRON=off) | ${off.rps} | ${off.p50} | ${off.p99} |`,
      '',
      `Throughput with the registry: ${(on.rps / off.rps).toFixed(2)} of without.`,
      '',
    ].join('\n');
    console.log(`\n${markdown}`);
    const stamp = new Date().toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(join(root, 'bench/results', `registry-cost-${stamp}.md`), markdown);
    writeFileSync(join(root, 'bench/results', `registry-cost-${stamp}.json`), `${JSON.stringify({ durationS, rounds, connections, results }, null, 2)}\n`);
  } finally {
    await cassandra.close();
  }
}

await main();
