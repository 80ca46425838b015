/**
 * The Cassandra node the bench runs on: the one already answering on 127.0.0.1:9042, or one
 * started with the project's scripts/cassandra.mjs (and stopped again at the end, since the bench
 * started it). Also the node's own counters (system_views virtual tables), which tell how many
 * reads and writes a scenario cost without instrumenting the service.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';

export interface CassandraNode {
  client: cassandra.Client;
  /** The JVM's pid, read from the script's pid file each time (NaN while the node is down). */
  readonly pid: number;
  /** True when this run started the node (and so stops it at the end). */
  started: boolean;
  /** What disturbed the run (the node restarted by another session...), for the report's notes. */
  disturbances: string[];
  close(): Promise<void>;
}

export async function ensureCassandra(root: string): Promise<CassandraNode> {
  let started = false;
  if (!(await answers())) {
    console.log('bench: no Cassandra on 127.0.0.1:9042; starting one with scripts/cassandra.mjs');
    execFileSync(process.execPath, ['scripts/cassandra.mjs', 'start'], { cwd: root, stdio: 'inherit' });
    started = true;
  }
  const client = new cassandra.Client({ contactPoints: ['127.0.0.1:9042'], localDataCenter: 'datacenter1', socketOptions: { readTimeout: 60_000 } });
  await client.connect();
  const pidFile = join(root, '.cassandra/node1/cassandra.pid');
  return {
    client,
    get pid() {
      try {
        return Number(readFileSync(pidFile, 'utf8').trim());
      } catch {
        return Number.NaN;
      }
    },
    started,
    disturbances: [],
    async close() {
      await client.shutdown();
      if (started) execFileSync(process.execPath, ['scripts/cassandra.mjs', 'stop'], { cwd: root, stdio: 'inherit' });
    },
  };
}

async function answers(): Promise<boolean> {
  const probe = new cassandra.Client({ contactPoints: ['127.0.0.1:9042'], localDataCenter: 'datacenter1', socketOptions: { connectTimeout: 3_000 } });
  try {
    await probe.connect();
    return true;
  } catch {
    return false;
  } finally {
    await probe.shutdown().catch(() => {});
  }
}

/**
 * Runs a measurement, and runs it again (at most `attempts` times in all) if it failed or the node
 * restarted meanwhile: the machine is shared, and another session's tests may stop and start the
 * same node (test/outage does). A retry waits until the node answers and the servers' drivers
 * have had time to reconnect (their reconnection policy retries every 0.5-5 s).
 */
export async function retrying<T>(node: CassandraNode, label: string, run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const pid = node.pid;
    try {
      const result = await run();
      if (node.pid !== pid) throw new Error(`Cassandra restarted during the measurement (pid ${pid} -> ${node.pid})`);
      return result;
    } catch (error) {
      const reason = (error as Error).message.split('\n')[0];
      node.disturbances.push(`${label}: ${reason}${attempt < attempts ? '; measured again' : '; gave up'}`);
      if (attempt >= attempts) throw error;
      console.log(`bench: ${label} disturbed (${reason}); waiting for Cassandra, then measuring again`);
      await waitForCassandra(node.client, 300);
      await new Promise((resolve) => setTimeout(resolve, 10_000));
    }
  }
}

async function waitForCassandra(client: cassandra.Client, maxS: number): Promise<void> {
  const giveUp = Date.now() + maxS * 1000;
  for (;;) {
    try {
      await client.execute('SELECT release_version FROM system.local');
      return;
    } catch (error) {
      if (Date.now() > giveUp) throw error;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }
}

/** Drops the bench's own keyspaces so each run starts empty; refuses any other name. */
export async function dropBenchKeyspaces(client: cassandra.Client, keyspaces: readonly string[]): Promise<void> {
  for (const keyspace of keyspaces) {
    if (!/^tollgate_bench(_[a-z0-9]+)*$/.test(keyspace)) throw new Error(`bench: refusing to drop keyspace ${keyspace}`);
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  }
}

/** Operation counts of one keyspace's tables, as the node counts them. */
export interface TableCounters {
  /** SELECTs the driver sent (the service's reads; a CAS is not counted here). */
  coordinatorReads: number;
  /** Reads executed on the replica: the SELECTs plus the read inside each CAS. */
  localReads: number;
  /** Mutations applied: plain writes and CAS commits. */
  localWrites: number;
}

export async function tableCounters(client: cassandra.Client, keyspace: string): Promise<Record<string, TableCounters>> {
  const out: Record<string, TableCounters> = {};
  const get = (table: string) => (out[table] ??= { coordinatorReads: 0, localReads: 0, localWrites: 0 });
  const views = [
    ['coordinator_read_latency', 'coordinatorReads'],
    ['local_read_latency', 'localReads'],
    ['local_write_latency', 'localWrites'],
  ] as const;
  for (const [view, field] of views) {
    const result = await client.execute(`SELECT table_name, count FROM system_views.${view} WHERE keyspace_name = ?`, [keyspace]);
    for (const row of result.rows) get(String(row.get('table_name')))[field] = Number(row.get('count'));
  }
  return out;
}

export function counterDelta(before: Record<string, TableCounters>, after: Record<string, TableCounters>): Record<string, TableCounters> {
  const out: Record<string, TableCounters> = {};
  for (const [table, a] of Object.entries(after)) {
    const b = before[table] ?? { coordinatorReads: 0, localReads: 0, localWrites: 0 };
    out[table] = { coordinatorReads: a.coordinatorReads - b.coordinatorReads, localReads: a.localReads - b.localReads, localWrites: a.localWrites - b.localWrites };
  }
  return out;
}

/**
 * Reads and writes the node served for keyspaces that are neither the bench's nor Cassandra's
 * own (another session's tests on the same node): the disturbance the CPU figures cannot show.
 */
export async function foreignOps(client: cassandra.Client): Promise<number> {
  let total = 0;
  for (const view of ['local_read_latency', 'local_write_latency']) {
    const result = await client.execute(`SELECT keyspace_name, count FROM system_views.${view}`);
    for (const row of result.rows) {
      const keyspace = String(row.get('keyspace_name'));
      if (!keyspace.startsWith('tollgate_bench') && !keyspace.startsWith('system')) total += Number(row.get('count'));
    }
  }
  return total;
}

/** Live data size of a table on disk, in MiB (memtables not included). */
export async function diskUsageMb(client: cassandra.Client, keyspace: string, table: string): Promise<number> {
  const result = await client.execute('SELECT mebibytes FROM system_views.disk_usage WHERE keyspace_name = ? AND table_name = ?', [keyspace, table]);
  return Number(result.first()?.get('mebibytes') ?? 0);
}

/** Waits (at most maxS) until no compaction runs, so a scenario is not measured against one. */
export async function waitForCompactions(client: cassandra.Client, maxS: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < maxS * 1000) {
    // A row means a task runs; no count(*), which the node logs as an unbounded aggregation.
    const result = await client.execute('SELECT keyspace_name FROM system_views.sstable_tasks LIMIT 1');
    if (result.rowLength === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  return (Date.now() - started) / 1000;
}
