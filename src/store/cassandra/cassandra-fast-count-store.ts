/**
 * The Cassandra FastCountStore (cql/019_fast_window_counts.cql). One partition per window length,
 * window start and shard, where a shard is a fixed slice of the (rule, caller) pairs
 * (fastCountShard: FNV-1a modulo `shards`, 4 by default). In it each instance has ONE row
 * holding all its counts of that window and shard, as compact JSON (encodeShardCounts).
 * publish    = one INSERT ... USING TTL (window + margin) per row whose content changed (or whose
 *              last write failed), the whole row rewritten from FastCountMirror, idempotent;
 * readOthers = one single-partition SELECT per (window, shard) holding a window asked for; the
 *              rows of the other instances parsed and summed, this instance's own skipped unparsed.
 * Both run a bounded number of statements at once (the driver pipelines them on its connections).
 *
 * COST PER SYNC. With G window groups (length x start: one per window length of the rules in use,
 * two just after a boundary while the ended window gets its last publish) and S shards, a sync is
 * at most G * S writes and G * S reads, whatever the number of windows W (and never more than W).
 * The previous layout (cql/017) cost one statement per window, W writes and W reads: 8,800
 * statements and about a second for the 4,400 windows of the bench, against a 50 ms interval.
 * Here, with its two window lengths (per second, per minute) and 4 shards, 8 each way at most. Bytes instead
 * grow with the keys: a count is about 50 bytes of JSON (43 of them the caller's hash); a write
 * carries all of this instance's counts of its shard (a changed shard is rewritten whole), a read
 * every instance's counts of its shard, this instance's own included (skipping it in CQL would
 * take two range reads instead of one).
 *
 * WHY ONE TEXT ROW PER SHARD. In Cassandra the statement, not the byte, is what a sync pays for
 * (each is parsed, routed, applied and answered on its own). A row per window inside the shard's
 * partition would still take a statement per window; an unlogged batch of them into one partition
 * would be one statement, but each row is still applied and read with its own clustering key,
 * timestamp and TTL (several times the bytes), and a batch past 50 KB is refused
 * (batch_size_fail_threshold). Counter columns are not an option: an increment is not idempotent
 * (a retried one counts twice), takes no TTL, and costs a read on the replica.
 *
 * THE SCALING LIMIT. Statements no longer grow with the keys; bytes do, as K * 50 per instance
 * for K keys active per window length. The bench's 4,400 windows are about 220 KB: busy traffic
 * changes every shard at every sync, so each instance writes that and reads it once per instance
 * every 50 ms: about 4.4 MB/s per instance each way, in 16 statements a sync instead of 8,800.
 * 100,000 keys per window would be 100 MB/s per instance: past some 10^4 keys per window the sync
 * is bounded by bytes and JSON parsing, not statements. Then lengthen the sync interval (the
 * bound's T grows with it); more shards make a sync that changed few keys write less, but read
 * no less. The default of 4 is for busy traffic, where every shard changes at every sync and the
 * statements are what a sync pays for: with 16, the bench's fast decision service cost Cassandra
 * 640 writes and 640 reads a second for one instance (0.13 and 0.15 per decision at 5,000/s), a
 * third of a core on the 2-core box it shares with the service.
 *
 * Consistency LOCAL_ONE for both, not the service's LOCAL_QUORUM: a fast limiter's counts are
 * already up to a sync interval stale by design (its documented bound, limiters/fast-limiter.ts),
 * and a replica a few ms behind is the same kind of staleness, while a quorum would add a
 * replica round trip to every sync. Two writes of one row are ordered by the driver's client-side
 * timestamps, so a timed-out write that lands late never overwrites a newer one. Every instance
 * must use the same shard count (or it looks for the others' counts in the wrong rows), and
 * instance ids must be unique per process (compose.ts draws one), since a row is rewritten whole
 * from this process's mirror. Driver errors propagate: the limiter counts them (onSyncError) and
 * decides on with what it last knew. The client is built by main.ts and handed in.
 */
import cassandra from 'cassandra-driver';
import { partitionId, type StoreCallOptions } from '../../engine/call-log.js';
import { fastCountTtlSeconds, type FastCount, type FastCountKey, type FastCountStore } from '../../engine/fast-count-store.js';
import type { CassandraDomainOptions } from './cassandra-domain-options.js';
import { FastCountMirror } from './fast-count-mirror.js';
import { checkShardCount, decodeShardCounts, DEFAULT_FAST_COUNT_SHARDS, fastCountShard, fastCountShardKeyId, type FastCountShardKey } from './fast-count-shard.js';

const Long = cassandra.types.Long;

export interface FastCountStoreTuning {
  /** Consistency of writes and reads; LOCAL_ONE by default (see above). */
  consistency?: number;
  /** Statements in flight at once per publish or read. */
  concurrency?: number;
  /** Rows outlive their window by this much (60 s by default; tests shorten it). */
  ttlMarginSeconds?: number;
  /** Shards per window (4 by default). The same on every instance sharing the keyspace. */
  shards?: number;
}

/** The windows asked for that live in one shard row, by partition, with their places in the answer. */
interface ShardRead {
  key: FastCountShardKey;
  places: Map<string, number[]>;
}

export class CassandraFastCountStore implements FastCountStore {
  private readonly insertQuery: string;
  private readonly selectQuery: string;
  private readonly consistency: number;
  private readonly concurrency: number;
  private readonly shards: number;
  private readonly mirror: FastCountMirror;

  constructor(
    private readonly client: cassandra.Client,
    options: CassandraDomainOptions,
    private readonly tuning: FastCountStoreTuning = {},
  ) {
    const table = `${options.keyspace}.fast_window_counts`;
    this.insertQuery = `INSERT INTO ${table} (window_ms, window_start, shard, instance, counts) VALUES (?, ?, ?, ?, ?) USING TTL ?`;
    this.selectQuery = `SELECT instance, counts FROM ${table} WHERE window_ms = ? AND window_start = ? AND shard = ?`;
    this.consistency = tuning.consistency ?? cassandra.types.consistencies.localOne;
    this.concurrency = tuning.concurrency ?? 64;
    this.shards = checkShardCount(tuning.shards ?? DEFAULT_FAST_COUNT_SHARDS);
    this.mirror = new FastCountMirror(this.shards);
  }

  async publish(instanceId: string, counts: readonly FastCount[], options: StoreCallOptions): Promise<void> {
    await eachLimited(this.mirror.merge(instanceId, counts), this.concurrency, async (write) => {
      const { windowMs, windowStart, shard } = write.key;
      const ttlSeconds = fastCountTtlSeconds(windowMs, this.tuning.ttlMarginSeconds);
      const params = [windowMs, Long.fromNumber(windowStart), shard, instanceId, write.counts, ttlSeconds];
      await this.client.execute(this.insertQuery, params, this.queryOptions(options));
      write.landed();
    });
  }

  async readOthers(instanceId: string, keys: readonly FastCountKey[], options: StoreCallOptions): Promise<number[]> {
    const sums = new Array<number>(keys.length).fill(0);
    await eachLimited(this.shardReads(keys), this.concurrency, async ({ key, places }) => {
      const params = [key.windowMs, Long.fromNumber(key.windowStart), key.shard];
      const result = await this.client.execute(this.selectQuery, params, this.queryOptions(options));
      for (const row of result.rows) {
        // This instance knows its own counts: its row is not worth the parse.
        if (row.get('instance') === instanceId) continue;
        for (const [api, caller, count] of decodeShardCounts((row.get('counts') as string | null) ?? '[]')) {
          for (const i of places.get(partitionId({ api, caller })) ?? []) sums[i]! += count;
        }
      }
    });
    return sums;
  }

  /** The keys grouped by the row they live in (one key asked twice is answered twice). */
  private shardReads(keys: readonly FastCountKey[]): ShardRead[] {
    const reads = new Map<string, ShardRead>();
    keys.forEach((k, i) => {
      const key: FastCountShardKey = { windowMs: k.windowMs, windowStart: k.windowStart, shard: fastCountShard(k.partition, this.shards) };
      const id = fastCountShardKeyId(key);
      let read = reads.get(id);
      if (!read) reads.set(id, (read = { key, places: new Map() }));
      const pid = partitionId(k.partition);
      const places = read.places.get(pid);
      if (places) places.push(i);
      else read.places.set(pid, [i]);
    });
    return [...reads.values()];
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
