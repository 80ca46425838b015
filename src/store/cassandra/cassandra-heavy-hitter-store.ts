/**
 * Heavy-hitter summaries on Cassandra (cql/013_heavy_hitters.cql): one row per rule, window
 * bucket, instance and side, its counters in one frozen list (a single cell, so an overwrite
 * leaves no tombstones behind), living the TTL the writer gives. A report reads its window's
 * bucket partitions with one IN query.
 */
import cassandra from 'cassandra-driver';
import type { BucketSummary, HeavyHitterSide, HeavyHitterStore, PublishedSummary } from '../../heavy-hitters/heavy-hitter-store.js';
import type { HeavyHitterWindow } from '../../heavy-hitters/heavy-hitter-windows.js';
import type { Counter } from '../../heavy-hitters/space-saving.js';
import type { CassandraDomainOptions } from './cassandra-domain-options.js';
import { queryRunner, type RunQuery } from './query-runner.js';

/** Writes in flight at once per publish: enough to finish in a round trip or two, few enough not to crowd the throttle's queries. */
const WRITE_CONCURRENCY = 16;

const Long = cassandra.types.Long;

export class CassandraHeavyHitterStore implements HeavyHitterStore {
  private readonly insertQuery: string;
  private readonly selectQuery: string;
  private readonly run: RunQuery;

  constructor(client: cassandra.Client, options: CassandraDomainOptions) {
    this.run = queryRunner(client, options, 'Heavy hitters');
    const ks = options.keyspace;
    this.insertQuery = `INSERT INTO ${ks}.heavy_hitters (rule, span, bucket, instance, side, total, floor_count, counters) VALUES (?, ?, ?, ?, ?, ?, ?, ?) USING TTL ?`;
    this.selectQuery = `SELECT bucket, instance, side, total, floor_count, counters FROM ${ks}.heavy_hitters WHERE rule = ? AND span = ? AND bucket IN ?`;
  }

  async write(summaries: readonly PublishedSummary[]): Promise<void> {
    for (let i = 0; i < summaries.length; i += WRITE_CONCURRENCY) {
      await Promise.all(summaries.slice(i, i + WRITE_CONCURRENCY).map((s) => this.run(this.insertQuery, [
        s.rule,
        s.window,
        Long.fromNumber(s.bucketStartMs),
        s.instance,
        s.side,
        Long.fromNumber(s.total),
        Long.fromNumber(s.floor),
        s.counters.map((c) => ({ caller: c.caller, estimate: Long.fromNumber(c.count), overcount: Long.fromNumber(c.error), normalised_key: c.key ?? null })),
        s.ttlSeconds,
      ])));
    }
  }

  async read(rule: string, window: HeavyHitterWindow, bucketStartsMs: readonly number[]): Promise<BucketSummary[]> {
    if (bucketStartsMs.length === 0) return [];
    const result = await this.run(this.selectQuery, [rule, window, bucketStartsMs.map((ms) => Long.fromNumber(ms))]);
    return result.rows.map((row) => ({
      rule,
      window,
      bucketStartMs: Number(row.get('bucket')),
      instance: row.get('instance') as string,
      side: row.get('side') as HeavyHitterSide,
      total: Number(row.get('total')),
      floor: Number(row.get('floor_count')),
      counters: ((row.get('counters') ?? []) as StoredCounter[]).map(counterOf),
    }));
  }
}

interface StoredCounter {
  caller: string;
  estimate: cassandra.types.Long;
  overcount: cassandra.types.Long;
  normalised_key: string | null;
}

function counterOf(stored: StoredCounter): Counter {
  const counter: Counter = { caller: stored.caller, count: Number(stored.estimate), error: Number(stored.overcount) };
  if (stored.normalised_key !== null && stored.normalised_key !== undefined) counter.key = stored.normalised_key;
  return counter;
}
