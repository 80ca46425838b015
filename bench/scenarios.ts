/**
 * What one scenario is and how it is measured: a request body generator (the workload), a server,
 * and a load mode (closed loop at full speed, or paced at a fixed rate). Each measurement runs a
 * warm-up first (JIT, prepared statements, connection pools), then reads CPU and node counters
 * just before and just after the measured run, so they cover exactly the measured requests.
 */
import type { CassandraNode, TableCounters } from './cassandra-node.js';
import { counterDelta, foreignOps, tableCounters } from './cassandra-node.js';
import { runLoad, type LoadResult } from './load.js';
import { runPaced } from './paced-load.js';
import { phoneAt, type PhoneRanges } from './phones.js';
import { CpuMeter, rssMb, type CpuReading } from './process-cpu.js';
import type { RedisServer } from './redis-server.js';
import type { ServerProcess } from './server-process.js';

export interface BenchSettings {
  durationS: number;
  warmupS: number;
  connections: number;
}

/** Allowed path: every request is a caller never seen before in this run (a fresh signup). */
export function freshCallers(phones: PhoneRanges): () => string {
  return () => JSON.stringify({ phone: phoneAt(phones.take(1)) });
}

/** Denied path: a handful of abusive callers, taken in turn, far over their limits after 5 each. */
export function abusiveCallers(phones: PhoneRanges, count = 5): () => string {
  const first = phones.take(count);
  const bodies = Array.from({ length: count }, (_, i) => JSON.stringify({ phone: phoneAt(first + i) }));
  let next = 0;
  return () => bodies[next++ % count]!;
}

/**
 * Returning callers under a high limit: a pool of `pool` callers taken in turn, each sending
 * `uses` requests (under its limit), then a fresh pool. A caller's partition holds up to `uses`
 * calls, so a limiter that counts rows reads that many, and one that caches state reads none.
 */
export function returningCallers(phones: PhoneRanges, pool: number, uses: number): () => string {
  let first = phones.take(pool);
  let sent = 0;
  return () => {
    if (sent === pool * uses) {
      first = phones.take(pool);
      sent = 0;
    }
    return JSON.stringify({ phone: phoneAt(first + (sent++ % pool)) });
  };
}

/** Callers drawn from an existing set: `pick()` returns a phone index. */
export function callersFrom(pick: () => number): () => string {
  return () => JSON.stringify({ phone: phoneAt(pick()) });
}

export interface Measurement {
  load: LoadResult;
  /** CPU seconds during the measured run: service, cassandra, redis, loadgen, other. */
  cpu: CpuReading;
  /** Node counters of the server's keyspace during the measured run, per table. */
  cassandraOps: Record<string, TableCounters>;
  /** Redis commands executed during the measured run (peer only). */
  redisCommands: number | undefined;
  serviceRssMb: number;
  /** Cassandra reads + writes for other sessions' keyspaces during the run (disturbance). */
  foreignCassandraOps: number;
}

export interface MeasureSpec {
  server: ServerProcess;
  keyspace: string;
  body: () => string;
  /** Paced open-loop rate; absent = closed loop at full speed. */
  rate?: number;
  /** Use autocannon's overallRate instead of the paced driver (to show the difference). */
  autocannonRate?: number;
  redis?: RedisServer;
  durationS?: number;
  warmupS?: number;
}

export async function measure(spec: MeasureSpec, cassandra: CassandraNode, settings: BenchSettings): Promise<Measurement> {
  const run = (durationS: number) =>
    spec.rate
      ? runPaced({ url: spec.server.url, rate: spec.rate, durationS, connections: settings.connections, body: spec.body })
      : runLoad({ url: spec.server.url, connections: settings.connections, durationS, body: spec.body, ...(spec.autocannonRate ? { overallRate: spec.autocannonRate } : {}) });

  const warmupS = spec.warmupS ?? settings.warmupS;
  if (warmupS > 0) await run(warmupS);
  const meter = new CpuMeter({ service: spec.server.pid, cassandra: cassandra.pid, redis: spec.redis?.pid });
  const countersBefore = await tableCounters(cassandra.client, spec.keyspace);
  const redisBefore = await spec.redis?.commandsProcessed();
  const foreignBefore = await foreignOps(cassandra.client);
  meter.start();
  const load = await run(spec.durationS ?? settings.durationS);
  const cpu = meter.stop();
  const redisAfter = await spec.redis?.commandsProcessed();
  const countersAfter = await tableCounters(cassandra.client, spec.keyspace);
  const foreignAfter = await foreignOps(cassandra.client);
  return {
    load,
    cpu,
    cassandraOps: counterDelta(countersBefore, countersAfter),
    redisCommands: redisBefore === undefined || redisAfter === undefined ? undefined : redisAfter - redisBefore,
    serviceRssMb: Math.round(rssMb(spec.server.pid)),
    foreignCassandraOps: foreignAfter - foreignBefore,
  };
}
