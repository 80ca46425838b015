/**
 * Allowed-path latency with 1k versus up to 1M distinct keys in the calls table. The partitions
 * are pre-populated (key-population.ts) with one call two hours old, outside the 1 h window and
 * inside the 24 h one, so every request reads a real partition, finds one row, and is admitted.
 *
 * The load is paced at BENCH_KEYS_RATE (200 req/s by default), the same for both runs: with only
 * 1k keys, warm-up + run at 200 req/s send each key at most 4 requests, under its 5 per hour, so
 * both runs measure the same decision (read one partition, CAS, insert the signup) and differ
 * only in how many partitions the table holds and how spread the reads are. The 1k run comes
 * first, on a table of 1k partitions; then the table grows to the wanted size (or what fits in
 * BENCH_POPULATE_MAX_S) and the second run reads keys drawn uniformly from all of it.
 */
import cassandra from 'cassandra-driver';
import { migrate } from '../src/store/cassandra/migrate.js';
import { CassandraCallLog } from '../src/store/cassandra/cassandra-call-log.js';
import { diskUsageMb, retrying, waitForCompactions, type CassandraNode } from './cassandra-node.js';
import { BENCH_KEY_SECRET, KEYSPACES, SIGNUP_RULE_ID, startService, type FleetContext } from './fleet.js';
import { populateByAppend, populateByInsert, verifyPartition, type PopulationPlan } from './key-population.js';
import type { KeysResult } from './report.js';
import { callersFrom, measure, type BenchSettings } from './scenarios.js';
import type { ServerProcess } from './server-process.js';
import { summarize } from './summary.js';

/** Pre-populated phones start here, far above the indexes PhoneRanges hands to the load. */
const POPULATION_FIRST_INDEX = 1_000_000_000;
const SMALL = 1_000;

export interface KeysOptions {
  ctx: FleetContext;
  cassandra: CassandraNode;
  settings: BenchSettings;
  rulesDir: string;
  started: (server: Promise<ServerProcess>) => Promise<ServerProcess>;
  wanted: number;
  rate: number;
  populateMaxS: number;
}

export async function measureKeys(options: KeysOptions): Promise<KeysResult> {
  const { client } = options.cassandra;
  const keyspace = KEYSPACES.keys;
  await migrate(client, { keyspace, replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}" });
  const { localQuorum, localSerial } = cassandra.types.consistencies;
  const log = new CassandraCallLog(client, keyspace, { consistency: localQuorum, serialConsistency: localSerial });
  const hourAndDayMs = 24 * 3600_000 + 60_000;
  const twoHoursMs = 2 * 3600_000;
  const plan: PopulationPlan = {
    secret: BENCH_KEY_SECRET,
    api: SIGNUP_RULE_ID,
    firstIndex: POPULATION_FIRST_INDEX,
    atMs: Date.now() - twoHoursMs,
    // What is left of the TTL the service gave the call when it wrote it two hours ago.
    ttlSeconds: Math.round((hourAndDayMs - twoHoursMs) / 1000),
  };

  console.log(`bench: keys: populating ${SMALL} partitions through CassandraCallLog.append`);
  const byAppend = await populateByAppend(log, plan, 0, SMALL);
  await verifyPartition(log, plan, 0);
  await verifyPartition(log, plan, SMALL - 1);
  const service = await options.started(startService(options.ctx, 'service-keys', options.rulesDir, keyspace));
  try {
    let cursor = 0;
    console.log(`bench: keys: 1k distinct keys at ${options.rate} req/s`);
    const small = await retrying(options.cassandra, 'keys-1k', () =>
      measure({ server: service, keyspace, body: callersFrom(() => plan.firstIndex + (cursor++ % SMALL)), rate: options.rate }, options.cassandra, options.settings),
    );
    const k1k = { ...summarize('keys-1k', `${SMALL} keys`, [small]), distinctCallers: Math.min(SMALL, cursor) };

    console.log(`bench: keys: populating up to ${options.wanted} partitions with plain INSERTs (at most ${options.populateMaxS} s)`);
    const byInsert = await populateByInsert(options.cassandra, keyspace, plan, SMALL, options.wanted, Date.now() + options.populateMaxS * 1000);
    const populated = SMALL + byInsert.keys;
    await verifyPartition(log, plan, SMALL);
    await verifyPartition(log, plan, populated - 1);
    const waited = await waitForCompactions(client, 120);
    console.log(`bench: keys: ${populated} partitions; waited ${Math.round(waited)} s for compactions`);

    const seen = new Set<number>();
    const pick = () => {
      const index = plan.firstIndex + SMALL + Math.floor(Math.random() * (populated - SMALL));
      seen.add(index);
      return index;
    };
    console.log(`bench: keys: ${populated} distinct keys at ${options.rate} req/s`);
    const many = await retrying(options.cassandra, 'keys-many', () =>
      measure({ server: service, keyspace, body: callersFrom(pick), rate: options.rate }, options.cassandra, options.settings),
    );
    const kMany = { ...summarize('keys-many', `${populated.toLocaleString('en-US')} keys`, [many]), distinctCallers: seen.size };
    return {
      rate: options.rate,
      populated,
      wanted: options.wanted,
      byAppend: { keys: byAppend.keys, perSecond: byAppend.perSecond },
      byInsert: { keys: byInsert.keys, perSecond: byInsert.perSecond, seconds: byInsert.seconds },
      callsTableMb: await diskUsageMb(client, keyspace, 'calls'),
      k1k,
      kMany,
    };
  } finally {
    await service.stop();
  }
}
