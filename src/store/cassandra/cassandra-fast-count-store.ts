/**
 * The Cassandra FastCountStore (cql/017_fast_counts.cql): one partition per rule, caller and
 * window, one row per instance with its absolute count.
 * publish    = one plain INSERT per window USING TTL (window + margin), idempotent;
 * readOthers = one single-partition SELECT per window, the rows of the other instances summed.
 * Both run a bounded number of statements at once (the driver pipelines them on its connections).
 *
 * Consistency LOCAL_ONE for both, not the service's LOCAL_QUORUM: a fast limiter's counts are
 * already up to a sync interval stale by design (its documented bound, limiters/fast-limiter.ts),
 * and a replica a few ms behind is the same kind of staleness, while a quorum would add a
 * replica round trip to every sync. LOCAL_ONE rather than ONE keeps a sync in the local data
 * center; instances in another one see these rows after cross-DC replication, which adds to the
 * store latency L of the bound. Driver errors propagate: the limiter counts them (onSyncError)
 * and decides on with what it last knew. The client is built by main.ts and handed in.
 */
import cassandra from 'cassandra-driver';
import type { StoreCallOptions } from '../../engine/call-log.js';
import { fastCountTtlSeconds, type FastCount, type FastCountKey, type FastCountStore } from '../../engine/fast-count-store.js';
import type { CassandraDomainOptions } from './cassandra-domain-options.js';

const Long = cassandra.types.Long;

export interface FastCountStoreTuning {
  /** Consistency of writes and reads; LOCAL_ONE by default (see above). */
  consistency?: number;
  /** Statements in flight at once per publish or read. */
  concurrency?: number;
  /** Rows outlive their window by this much (60 s by default; tests shorten it). */
  ttlMarginSeconds?: number;
}

export class CassandraFastCountStore implements FastCountStore {
  private readonly insertQuery: string;
  private readonly selectQuery: string;
  private readonly consistency: number;
  private readonly concurrency: number;

  constructor(
    private readonly client: cassandra.Client,
    options: CassandraDomainOptions,
    private readonly tuning: FastCountStoreTuning = {},
  ) {
    const table = `${options.keyspace}.fast_counts`;
    this.insertQuery = `INSERT INTO ${table} (api, caller, window_ms, window_start, instance, count) VALUES (?, ?, ?, ?, ?, ?) USING TTL ?`;
    this.selectQuery = `SELECT instance, count FROM ${table} WHERE api = ? AND caller = ? AND window_ms = ? AND window_start = ?`;
    this.consistency = tuning.consistency ?? cassandra.types.consistencies.localOne;
    this.concurrency = tuning.concurrency ?? 64;
  }

  async publish(instanceId: string, counts: readonly FastCount[], options: StoreCallOptions): Promise<void> {
    await eachLimited(counts, this.concurrency, async (c) => {
      const ttlSeconds = fastCountTtlSeconds(c.windowMs, this.tuning.ttlMarginSeconds);
      const params = [c.partition.api, c.partition.caller, c.windowMs, Long.fromNumber(c.windowStart), instanceId, c.count, ttlSeconds];
      await this.client.execute(this.insertQuery, params, this.queryOptions(options));
    });
  }

  async readOthers(instanceId: string, keys: readonly FastCountKey[], options: StoreCallOptions): Promise<number[]> {
    const sums = new Array<number>(keys.length).fill(0);
    await eachLimited(keys, this.concurrency, async (key, i) => {
      const params = [key.partition.api, key.partition.caller, key.windowMs, Long.fromNumber(key.windowStart)];
      const result = await this.client.execute(this.selectQuery, params, this.queryOptions(options));
      for (const row of result.rows) {
        if (row.get('instance') !== instanceId) sums[i]! += (row.get('count') as number | null) ?? 0;
      }
    });
    return sums;
  }

  /** Every statement here is a read or an overwrite with an absolute value: replaying it is harmless. */
  private queryOptions(options: StoreCallOptions): cassandra.QueryOptions {
    return { prepare: true, consistency: this.consistency, readTimeout: options.timeoutMs, isIdempotent: true };
  }
}

/** Runs `work` on every item, at most `limit` at once; rejects with the first failure (after the others settle). */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        await work(items[i]!, i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}
