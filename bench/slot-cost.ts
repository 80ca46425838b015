/**
 * What a concurrent-limit slot costs next to a sliding-window admission (issue 12), measured at
 * the store against the Cassandra node, `BENCH_OPS` operations each with `BENCH_IN_FLIGHT` in
 * flight: a window admission on a new partition (one compare-and-set), a slot acquire on a new
 * partition (a read, a compare-and-set, the lease row), its release (a read of the lease, plain
 * deletes), and acquires that contend on one hot partition (a room everyone joins at once).
 *
 *   npm run bench:slots   (BENCH_OPS, default 2000; BENCH_IN_FLIGHT, default 32)
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import cassandra from 'cassandra-driver';
import { CassandraCallLog } from '../src/store/cassandra/cassandra-call-log.js';
import { CassandraSlotStore } from '../src/store/cassandra/cassandra-slot-store.js';
import { migrate } from '../src/store/cassandra/migrate.js';
import { dropBenchKeyspaces, ensureCassandra } from './cassandra-node.js';

const KEYSPACE = 'tollgate_bench_slots';
const ops = Number(process.env.BENCH_OPS ?? 2_000);
const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 32);
const timeout = { timeoutMs: 10_000 };

interface Row {
  name: string;
  ops: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** Runs `count` operations `inFlight` at a time; throughput and latency percentiles. */
async function measure(name: string, count: number, op: (i: number) => Promise<unknown>): Promise<Row> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (let i = next++; i < count; i = next++) {
        const t0 = performance.now();
        await op(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 100) / 100;
  const row = { name, ops: count, perSecond: Math.round(count / seconds), p50Ms: at(0.5), p99Ms: at(0.99) };
  console.log(`bench: ${name}: ${row.perSecond}/s, p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms`);
  return row;
}

async function main(): Promise<void> {
  const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
  const node = await ensureCassandra(root);
  try {
    await dropBenchKeyspaces(node.client, [KEYSPACE]);
    await migrate(node.client, { keyspace: KEYSPACE, replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}" });
    const consistency = cassandra.types.consistencies.localQuorum;
    const serialConsistency = cassandra.types.consistencies.localSerial;
    const log = new CassandraCallLog(node.client, KEYSPACE, { consistency, serialConsistency });
    const slots = new CassandraSlotStore(node.client, { keyspace: KEYSPACE, consistency, serialConsistency, timeoutMs: 10_000 });
    const run = randomUUID().slice(0, 8);
    const leases = Array.from({ length: ops }, () => randomUUID());
    const rows = [
      await measure('window admission, new partition', ops, (i) => log.append({ caller: `w-${run}-${i}`, api: 'bench' }, 0, Date.now(), 3_660, timeout)),
      await measure('slot acquire, new partition', ops, (i) => slots.acquire({ caller: `s-${run}-${i}`, api: 'bench' }, leases[i]!, 3, 3_600_000, Date.now(), timeout)),
      await measure('slot release', ops, (i) => slots.release(leases[i]!, timeout)),
      await measure(`slot acquire, one hot partition (${Math.min(ops, 200)} leases)`, Math.min(ops, 200), () => slots.acquire({ caller: `hot-${run}`, api: 'bench' }, randomUUID(), 1_000, 3_600_000, Date.now(), timeout)),
    ];
    const markdown = [
      `# tollgate: what a concurrent-limit slot costs, ${new Date().toISOString()}`,
      '',
      `At the store, against one Cassandra node on 2 shared cores, ${inFlight} operations in flight.`,
      '',
      '| operation | ops | per second | p50 ms | p99 ms |',
      '| --- | --- | --- | --- | --- |',
      ...rows.map((r) => `| ${r.name} | ${r.ops} | ${r.perSecond} | ${r.p50Ms} | ${r.p99Ms} |`),
      '',
    ].join('\n');
    console.log(`\n${markdown}`);
    const stamp = new Date().toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
    mkdirSync(join(root, 'bench/results'), { recursive: true });
    writeFileSync(join(root, 'bench/results', `slot-cost-${stamp}.md`), markdown);
  } finally {
    await node.close();
  }
}

await main();
