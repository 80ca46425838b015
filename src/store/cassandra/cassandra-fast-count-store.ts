/**
 * The Cassandra FastCountStore (cql/019_fast_window_counts.cql). One partition per window length,
 * window start and shard, where a shard is a fixed slice of the (rule, caller) pairs
 * (fastCountShard: FNV-1a modulo `shards`, 4 by default). In it each instance has ONE row
 * holding all its counts of that window and shard, as compact JSON (encodeShardCounts).
 * publish    = the rows whose content changed (or whose last write failed), each rewritten whole
 *              from FastCountMirror with USING TTL (window + margin), idempotent, in unlogged
 *              batches of at most 40 KB of counts (Cassandra refuses a batch past 50 KiB,
 *              batch_size_fail_threshold): one statement per sync until the counts pass 40 KB;
 * readOthers = one SELECT per window group (length x start) naming its shards with IN; the rows
 *              of the other instances parsed and summed, this instance's own skipped unparsed.
 * Both run a bounded number of statements at once (the driver pipelines them on its connections).
 *
 * COST PER SYNC. With G window groups (one per window length of the rules in use, two just after
 * a boundary while the ended window gets its last publish), a sync is ceil(bytes / 40 KB) writes
 * (at most one per row) and G reads, whatever the number of windows W and of shards. The first
 * layout (cql/017) cost one statement per window, W writes and W reads: 8,800 statements and
 * about a second for the 4,400 windows of the bench, against a 50 ms interval; this table's
 * first version one statement per row, 8 each way for two window lengths and 4 shards. Bytes
 * grow with the keys: a count is about 50 bytes of JSON (43 of them the caller's hash); a write
 * carries all of this instance's counts of a changed shard, a read every instance's counts of its
 * window, this instance's own included (skipping it takes two range reads instead of one, and a
 * statement costs more than the bytes: see below).
 *
 * WHY FEW STATEMENTS. Measured on the bench's 2-core box (Cassandra 5.0.8, one node), a statement
 * arriving alone costs Cassandra 3 to 7 ms of CPU (its shared executor's workers wake, spin and
 * park again around every request), against 0.75 ms each in a steady stream: 20 lone statements
 * a second took 14% of a core, 20 bursts of 4 took 36%. A sync every 50 ms is exactly such
 * sparse traffic, so what it costs is its number of statements, whatever their size.
 *
 * WHY ONE TEXT ROW PER SHARD. Each statement is parsed, routed, applied and answered on its own.
 * A row per window inside the shard's partition would take a statement per window; an unlogged
 * batch of them into one partition would be one statement, but each row is still applied and
 * read with its own clustering key, timestamp and TTL (several times the bytes), and a batch past
 * 50 KB is refused (batch_size_fail_threshold). Counter columns are not an option: an increment is not idempotent
 * (a retried one counts twice), takes no TTL, and costs a read on the replica.
 *
 * THE SCALING LIMIT. Statements grow slowly with the keys (one batch per 40 KB); bytes grow as
 * K * 50 per instance for K keys active per window length. The bench's 4,400 windows are about
 * 220 KB: busy traffic changes every shard at every sync, so each instance writes that and reads
 * it once per instance every 50 ms: about 4.4 MB/s per instance each way, in 8 statements a sync
 * instead of 8,800.
 * 100,000 keys per window would be 100 MB/s per instance: past some 10^4 keys per window the sync
 * is bounded by bytes and JSON parsing, not statements. Then lengthen the sync interval (the
 * bound's T grows with it); more shards make a sync that changed few keys write less, but read
 * no less. The default of 4 keeps a row small enough that a few changed keys do not rewrite
 * everything, while batches and IN keep the statements per sync independent of it (with one
 * statement per row, 16 shards cost the bench's fast decision service 640 writes and 640 reads a
 * second, a third of a core on the 2-core box it shares with the service).
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
import { FastCountMirror, type FastCountRowWrite } from './fast-count-mirror.js';
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
    this.selectQuery = `SELECT shard, instance, counts FROM ${table} WHERE window_ms = ? AND window_start = ? AND shard IN ?`;
    this.consistency = tuning.consistency ?? cassandra.types.consistencies.localOne;
    this.concurrency = tuning.concurrency ?? 64;
    this.shards = checkShardCount(tuning.shards ?? DEFAULT_FAST_COUNT_SHARDS);
    this.mirror = new FastCountMirror(this.shards);
  }

  async publish(instanceId: string, counts: readonly FastCount[], options: StoreCallOptions): Promise<void> {
    const writes = this.mirror.merge(instanceId, counts);
    // The changed rows go in as few unlogged batches as their size allows (usually one per sync):
    // see WHY FEW STATEMENTS above.
    await eachLimited(batchesOf(writes, BATCH_BYTES), this.concurrency, async (batch) => {
      const statements = batch.map(({ key, counts: row }) => ({
        query: this.insertQuery,
        params: [key.windowMs, Long.fromNumber(key.windowStart), key.shard, instanceId, row, fastCountTtlSeconds(key.windowMs, this.tuning.ttlMarginSeconds)],
      }));
      if (statements.length === 1) await this.client.execute(statements[0]!.query, statements[0]!.params, this.queryOptions(options));
      else await this.client.batch(statements, { ...this.queryOptions(options), logged: false });
      for (const write of batch) write.landed();
    });
  }

  async readOthers(instanceId: string, keys: readonly FastCountKey[], options: StoreCallOptions): Promise<number[]> {
    const sums = new Array<number>(keys.length).fill(0);
    // One SELECT per window group, its shards named with IN (see WHY FEW STATEMENTS above).
    const groups = groupBy(this.shardReads(keys), (read) => `${read.key.windowMs}:${read.key.windowStart}`);
    await eachLimited(groups, this.concurrency, async (reads) => {
      const { windowMs, windowStart } = reads[0]!.key;
      const placesOf = new Map(reads.map((read) => [read.key.shard, read.places]));
      const params = [windowMs, Long.fromNumber(windowStart), [...placesOf.keys()]];
      const result = await this.client.execute(this.selectQuery, params, this.queryOptions(options));
      for (const row of result.rows) {
        // This instance knows its own counts: its row is not worth the parse.
        if (row.get('instance') === instanceId) continue;
        const places = placesOf.get(row.get('shard') as number)!;
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

/**
 * Rows of one unlogged batch at most this many characters of counts: under Cassandra's
 * batch_size_fail_threshold (50 KiB by default), which refuses the whole batch past it.
 */
const BATCH_BYTES = 40_000;

/** The writes in consecutive batches of at most `maxBytes` of counts (a larger row goes alone). */
function batchesOf(writes: readonly FastCountRowWrite[], maxBytes: number): FastCountRowWrite[][] {
  const batches: FastCountRowWrite[][] = [];
  let current: FastCountRowWrite[] = [];
  let bytes = 0;
  for (const write of writes) {
    const size = Buffer.byteLength(write.counts);
    if (current.length > 0 && bytes + size > maxBytes) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(write);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** The items in groups of equal `id`, in order of first appearance. */
function groupBy<T>(items: readonly T[], id: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = id(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return [...groups.values()];
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
