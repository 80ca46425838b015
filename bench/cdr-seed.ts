/**
 * The data of the CDR export bench: one account (its token hash stored as the service stores it,
 * so the service authenticates the bench's token) and `count` CDRs spread over the last days, in
 * the bench's own keyspace, created from cql/ with migrate(). Written through the service's own
 * repositories: prepared, idempotent inserts, `inFlight` at a time.
 */
import { createHash, randomBytes } from 'node:crypto';
import type cassandra from 'cassandra-driver';
import { newSid } from '../src/domains/shared/sids.js';
import { consistencyLevel } from '../src/store/cassandra/client-options.js';
import { CassandraAccountRepository } from '../src/store/cassandra/cassandra-account-repository.js';
import { CassandraCdrRepository } from '../src/store/cassandra/cassandra-cdr-repository.js';
import { migrate } from '../src/store/cassandra/migrate.js';
import { sampleCdr } from '../test/support/cdr-exports.js';
import { dropBenchKeyspaces } from './cassandra-node.js';
import { terminalProgress } from '../src/cli/progress.js';

export const CDR_KEYSPACE = 'tollgate_bench_cdr';

export interface SeededCdrs {
  accountId: string;
  authToken: string;
  count: number;
  /** The range the CDRs span (call creation times), inclusive. */
  fromMs: number;
  toMs: number;
  seedSeconds: number;
}

/** A fresh keyspace with one account and `count` CDRs created between `spanDays` days ago and now. */
export async function seedCdrKeyspace(client: cassandra.Client, count: number, nowMs: number, spanDays = 28, inFlight = 64): Promise<SeededCdrs> {
  await dropBenchKeyspaces(client, [CDR_KEYSPACE]);
  await migrate(client, { keyspace: CDR_KEYSPACE, replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}" });
  const options = { keyspace: CDR_KEYSPACE, consistency: consistencyLevel('LOCAL_QUORUM'), serialConsistency: consistencyLevel('LOCAL_SERIAL'), timeoutMs: 30_000 };
  const authToken = randomBytes(32).toString('base64url');
  const accountId = newSid('AC', nowMs);
  await new CassandraAccountRepository(client, options).create({
    accountId,
    friendlyName: 'cdr export bench',
    tokenHash: createHash('sha256').update(authToken, 'utf8').digest(),
    createdAtMs: nowMs,
  });

  const cdrs = new CassandraCdrRepository(client, options);
  const stepMs = Math.max(1, Math.floor((spanDays * 86_400_000) / count));
  const toMs = nowMs - 60_000;
  const fromMs = toMs - (count - 1) * stepMs;
  const started = performance.now();
  let next = 0;
  const progress = terminalProgress(process.stdout);
  // `inFlight` workers, each taking the next index: a steady window of concurrent inserts.
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      await cdrs.record(sampleCdr(accountId, fromMs + i * stepMs, i));
      progress.update(`bench: seeded ${next.toLocaleString('en-US')} of ${count.toLocaleString('en-US')} CDRs`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  progress.done();
  return { accountId, authToken, count, fromMs, toMs, seedSeconds: (performance.now() - started) / 1000 };
}
