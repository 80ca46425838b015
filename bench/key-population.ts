/**
 * Pre-populates partitions of the calls table for the 1k-vs-1M-keys measurement, in the exact
 * format the service writes: caller = HMAC of the E.164 phone under the service's KEY_SECRET,
 * api = the rule id, one row per admitted call, the static version seq.
 *
 * The first keys go through the service's own CassandraCallLog.append (a Paxos compare-and-set
 * batch, as in production). That costs four round trips inside Cassandra per key, far too slow
 * for a million on two cores, so the rest are written with one plain prepared INSERT per
 * partition that sets the row and seq = 1 together: the same cells, without the Paxos state.
 * verifyPartition reads samples back through CassandraCallLog.read to prove the format matches.
 */
import cassandra from 'cassandra-driver';
import type { CassandraCallLog } from '../src/store/cassandra/cassandra-call-log.js';
import { retrying, type CassandraNode } from './cassandra-node.js';
import { createKeyHasher } from '../src/keys/key-hasher.js';
import { phoneAt } from './phones.js';

export interface Population {
  keys: number;
  seconds: number;
  perSecond: number;
}

export interface PopulationPlan {
  secret: string;
  api: string;
  /** Phone indexes firstIndex .. firstIndex + keys - 1 are populated. */
  firstIndex: number;
  /** When the pre-existing call happened (outside the 1h window, inside 24h) and its TTL. */
  atMs: number;
  ttlSeconds: number;
}

export function callerOf(plan: PopulationPlan, offset: number): string {
  return createKeyHasher(plan.secret).hash(phoneAt(plan.firstIndex + offset));
}

export async function populateByAppend(log: CassandraCallLog, plan: PopulationPlan, from: number, to: number, concurrency = 32): Promise<Population> {
  const hasher = createKeyHasher(plan.secret);
  const started = performance.now();
  let next = from;
  const worker = async () => {
    while (next < to) {
      const offset = next++;
      const partition = { caller: hasher.hash(phoneAt(plan.firstIndex + offset)), api: plan.api };
      const result = await log.append(partition, 0, plan.atMs, plan.ttlSeconds, { timeoutMs: 10_000 });
      if (!result.applied) throw new Error(`bench: append to a fresh partition was not applied (${partition.caller}); was the keyspace dropped first?`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return summary(to - from, started);
}

/** Plain INSERTs for offsets from..to, in chunks, stopping early when `deadlineMs` passes. */
export async function populateByInsert(node: CassandraNode, keyspace: string, plan: PopulationPlan, from: number, to: number, deadlineMs: number): Promise<Population> {
  const hasher = createKeyHasher(plan.secret);
  const query = `INSERT INTO ${keyspace}.calls (caller, api, time, seq) VALUES (?, ?, ?, ?) USING TTL ?`;
  const seq = cassandra.types.Long.fromNumber(1);
  const started = performance.now();
  const chunk = 20_000;
  let done = from;
  while (done < to && Date.now() < deadlineMs) {
    const end = Math.min(to, done + chunk);
    const params: unknown[][] = [];
    for (let offset = done; offset < end; offset++) {
      // A distinct timeuuid per row, all at the same millisecond, as concurrent admissions would be.
      params.push([hasher.hash(phoneAt(plan.firstIndex + offset)), plan.api, cassandra.types.TimeUuid.fromDate(new Date(plan.atMs)), seq, plan.ttlSeconds]);
    }
    // INSERTs are idempotent: a chunk cut short by a node restart is simply written again.
    await retrying(node, `population at ${done}`, () => cassandra.concurrent.executeConcurrent(node.client, query, params, { concurrencyLevel: 256, raiseOnFirstError: true }));
    done = end;
    if ((done - from) % 100_000 === 0) console.log(`bench: populated ${done} partitions (${Math.round((done - from) / ((performance.now() - started) / 1000))}/s)`);
  }
  return summary(done - from, started);
}

/** Reads a populated partition as the service does: version 1 and exactly one call at atMs. */
export async function verifyPartition(log: CassandraCallLog, plan: PopulationPlan, offset: number): Promise<void> {
  const state = await log.read({ caller: callerOf(plan, offset), api: plan.api }, plan.atMs - 60_000, 30, { timeoutMs: 10_000 });
  if (state.version !== 1 || state.callsMs.length !== 1 || state.callsMs[0] !== plan.atMs) {
    throw new Error(`bench: populated partition ${offset} reads back as ${JSON.stringify(state)}, not version 1 with one call at ${plan.atMs}`);
  }
}

function summary(keys: number, started: number): Population {
  const seconds = (performance.now() - started) / 1000;
  return { keys, seconds: Math.round(seconds * 10) / 10, perSecond: Math.round(keys / seconds) };
}
