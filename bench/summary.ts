/**
 * Turns the rounds of one scenario into the figures the report quotes. The machine is shared
 * (2 cores for service, Cassandra, Redis and load generator, plus whatever else runs), so every
 * figure is the MEDIAN over rounds, and per-request costs are given next to raw CPU seconds.
 */
import { median } from './latency-recorder.js';
import type { Measurement } from './scenarios.js';

export interface ScenarioSummary {
  id: string;
  title: string;
  rounds: number;
  /** Median over rounds of responses per second. */
  rps: number;
  rpsPerRound: number[];
  p50: number;
  p99: number;
  p999: number;
  /** Totals over all rounds. */
  status: { '201': number; '429': number; other: number };
  otherCodes: Record<string, number>;
  errors: number;
  /** Median CPU seconds during a measured run, per process. */
  cpuS: { service: number; cassandra: number; redis: number | undefined; loadgen: number; other: number };
  /** Median CPU milliseconds per response, service and Cassandra (and Redis for the peer). */
  cpuMsPerRequest: { service: number; cassandra: number; redis: number | undefined };
  /** Median node operations per response, summed over the keyspace's tables. */
  cassandraPerRequest: { selects: number; replicaReads: number; writes: number };
  /** Median number of SELECTs + compare-and-sets on the calls table per 429 (denied path). */
  callsRoundTripsPer429: number | undefined;
  redisCommandsPerRequest: number | undefined;
  serviceRssMb: number;
  /** Median Cassandra operations for other sessions' keyspaces during a run (disturbance). */
  foreignCassandraOps: number;
  /** Distinct phone numbers the scenario sent (when known). */
  distinctCallers?: number;
}

const r2 = (n: number) => Math.round(n * 100) / 100;
const r3 = (n: number) => Math.round(n * 1000) / 1000;
const med = (ms: readonly Measurement[], f: (m: Measurement) => number) => median(ms.map(f));

export function summarize(id: string, title: string, runs: readonly Measurement[]): ScenarioSummary {
  const perResponse = (m: Measurement, v: number) => (m.load.responses > 0 ? v / m.load.responses : Number.NaN);
  const ops = (m: Measurement) => Object.values(m.cassandraOps);
  const sum = <T>(xs: T[], f: (x: T) => number) => xs.reduce((s, x) => s + f(x), 0);
  const hasRedis = runs.some((m) => m.cpu.redis !== undefined && m.redisCommands !== undefined);
  const otherCodes: Record<string, number> = {};
  for (const m of runs) for (const [code, n] of Object.entries(m.load.otherCodes)) otherCodes[code] = (otherCodes[code] ?? 0) + n;
  const denied = sum([...runs], (m) => m.load.status['429']);
  return {
    id,
    title,
    rounds: runs.length,
    rps: Math.round(med(runs, (m) => m.load.rps)),
    rpsPerRound: runs.map((m) => m.load.rps),
    p50: r2(med(runs, (m) => m.load.latency.p50)),
    p99: r2(med(runs, (m) => m.load.latency.p99)),
    p999: r2(med(runs, (m) => m.load.latency.p999)),
    status: {
      '201': sum([...runs], (m) => m.load.status['201']),
      '429': denied,
      other: sum([...runs], (m) => m.load.status.other),
    },
    otherCodes,
    errors: sum([...runs], (m) => m.load.errors + m.load.timeouts),
    cpuS: {
      service: r2(med(runs, (m) => m.cpu.service ?? Number.NaN)),
      cassandra: r2(med(runs, (m) => m.cpu.cassandra ?? Number.NaN)),
      redis: hasRedis ? r2(med(runs, (m) => m.cpu.redis ?? Number.NaN)) : undefined,
      loadgen: r2(med(runs, (m) => m.cpu.loadgen ?? Number.NaN)),
      other: r2(med(runs, (m) => m.cpu.other ?? Number.NaN)),
    },
    cpuMsPerRequest: {
      service: r3(med(runs, (m) => perResponse(m, (m.cpu.service ?? 0) * 1000))),
      cassandra: r3(med(runs, (m) => perResponse(m, (m.cpu.cassandra ?? 0) * 1000))),
      redis: hasRedis ? r3(med(runs, (m) => perResponse(m, (m.cpu.redis ?? 0) * 1000))) : undefined,
    },
    cassandraPerRequest: {
      selects: r2(med(runs, (m) => perResponse(m, sum(ops(m), (o) => o.coordinatorReads)))),
      replicaReads: r2(med(runs, (m) => perResponse(m, sum(ops(m), (o) => o.localReads)))),
      writes: r2(med(runs, (m) => perResponse(m, sum(ops(m), (o) => o.localWrites)))),
    },
    callsRoundTripsPer429: denied === 0 ? undefined : r3(med(runs, (m) => callsRoundTrips(m) / Math.max(1, m.load.status['429']))),
    redisCommandsPerRequest: hasRedis ? r2(med(runs, (m) => perResponse(m, m.redisCommands ?? Number.NaN))) : undefined,
    serviceRssMb: Math.round(med(runs, (m) => m.serviceRssMb)),
    foreignCassandraOps: Math.round(med(runs, (m) => m.foreignCassandraOps)),
  };
}

/**
 * Round trips the service made to the calls table: its SELECTs and its compare-and-sets. On the
 * replica each of them is one read (a CAS reads the partition to check its condition), so on a
 * single node the replica reads of the table count both; coordinator reads count the SELECTs only.
 */
export function callsRoundTrips(m: Measurement): number {
  const calls = m.cassandraOps.calls;
  return calls ? Math.max(calls.localReads, calls.coordinatorReads) : 0;
}

export function ratio(a: number, b: number): number {
  return b > 0 ? r2(a / b) : Number.NaN;
}
