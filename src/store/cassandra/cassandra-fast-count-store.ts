/**
 * The Cassandra FastCountStore (cql/021_fast_window_rows.cql). One partition per minute
 * (fastCountMinute: the minute a window starts in); in it, per window and shard (a fixed slice of
 * the (rule, caller) pairs: fastCountShard, FNV-1a modulo `shards`, 4 by default), ONE row per
 * instance holding all its counts of that window and shard, as compact JSON (encodeShardCounts).
 * publish    = the rows whose content changed (or whose last write failed), each rewritten whole
 *              from FastCountMirror with USING TTL (window + margin), idempotent, in unlogged
 *              batches of at most 40 KB of counts (Cassandra refuses a batch past 50 KiB,
 *              batch_size_fail_threshold): one statement per sync until the counts pass 40 KB;
 * readOthers = one SELECT per minute, naming its windows with (window_ms, window_start) IN ?;
 *              the other instances' rows parsed and summed, this instance's own skipped
 *              unparsed. While no other instance has counted in a window, no key is looked at.
 * Both run a bounded number of statements at once (the driver pipelines them on its connections).
 *
 * COST PER SYNC. The running windows of rules of a minute or less all start in the current
 * minute, so a sync is ceil(bytes / 40 KB) writes into one partition (two just after a minute
 * boundary, while the ended windows get their last publish) and one single-partition read,
 * whatever the number of counts, windows and shards; a longer window adds its start minute's
 * partition. Bytes grow with the keys: a count is about 50 bytes of JSON (43 of them the caller's
 * hash); a write carries all of this instance's counts of a changed shard, a read every
 * instance's counts of the windows named, this instance's own included (skipping it would take
 * two range reads instead of one, and a statement costs more than the bytes: see below).
 *
 * WHY FEW STATEMENTS AND FEW PARTITIONS. Measured on the bench's 2-core box (Cassandra 5.0.8,
 * one node), a statement arriving alone costs Cassandra 3 to 7 ms of CPU (its shared executor's
 * workers wake, spin and park again around every request), against 0.75 ms each in a steady
 * stream; within a statement, each partition it touches is its own task on those workers (an IN
 * on the partition key is one read command per partition). A sync every 50 ms is exactly such
 * sparse traffic, so what it costs is its statements and partitions, whatever their size. The
 * layouts before this one: one row per window (cql/017), 8,800 statements for the bench's 4,400
 * windows, about a second against a 50 ms interval; then one partition per window and shard
 * (cql/019), 8 partitions written and 8 read per sync for a per-second and a per-minute window;
 * here 1 and 1.
 *
 * WHY ONE TEXT ROW PER SHARD. A row per count would be applied and read with its own clustering
 * key, timestamp and TTL (several times the bytes), and a batch past 50 KB is refused. Shards
 * keep rows small: a sync that changed a few counts rewrites their shards' rows, not every count
 * of the window. Counter columns are not an option: an increment is not idempotent (a retried
 * one counts twice), takes no TTL, and costs a read on the replica.
 *
 * THE SCALING LIMIT. Bytes grow as K * 50 per instance for K keys active per window. The
 * bench's 4,400 windows are about 220 KB: busy traffic changes every shard at every sync, so each
 * instance writes that and reads it once per instance every 50 ms, about 4.4 MB/s each way.
 * 100,000 keys per window would be 100 MB/s per instance: past some 10^4 keys per window the
 * sync is bounded by bytes and JSON parsing, not statements. Then lengthen the sync interval
 * (the bound's T grows with it). One partition per minute also means one replica set takes a
 * minute's sync traffic; the partition moves every minute, so no node holds it for long.
 *
 * Consistency LOCAL_ONE for both, not the service's LOCAL_QUORUM: a fast limiter's counts are
 * already up to a sync interval stale by design (its documented bound, limiters/fast-limiter.ts),
 * and a replica a few ms behind is the same kind of staleness, while a quorum would add a
 * replica round trip to every sync. Two writes of one row are ordered by the driver's client-side
 * timestamps, so a timed-out write that lands late never overwrites a newer one. Instance ids
 * must be unique per process (compose.ts draws one), since a row is rewritten whole from this
 * process's mirror; the shard count need not agree between instances, since a reader sums every
 * row of the window whatever shard it is in. Driver errors propagate: the limiter counts them (onSyncError) and
 * decides on with what it last knew. The client is built by main.ts and handed in.
 */
import cassandra from 'cassandra-driver';
import { partitionId, type StoreCallOptions } from '../../engine/call-log.js';
import { fastCountTtlSeconds, type FastCount, type FastCountKey, type FastCountStore } from '../../engine/fast-count-store.js';
import type { CassandraDomainOptions } from './cassandra-domain-options.js';
import { FastCountMirror, type FastCountRowWrite } from './fast-count-mirror.js';
import { checkShardCount, decodeShardCounts, DEFAULT_FAST_COUNT_SHARDS, fastCountMinute } from './fast-count-shard.js';

const { Long, Tuple } = cassandra.types;

export interface FastCountStoreTuning {
  /** Consistency of writes and reads; LOCAL_ONE by default (see above). */
  consistency?: number;
  /** Statements in flight at once per publish or read. */
  concurrency?: number;
  /** Rows outlive their window by this much (60 s by default; tests shorten it). */
  ttlMarginSeconds?: number;
  /** Shards per window (4 by default): how many rows this instance splits a window's counts into. */
  shards?: number;
}

/** The keys asked for in one window, by their places in the answer. */
interface WindowRead {
  windowMs: number;
  windowStart: number;
  places: number[];
}

/** The windows asked for that live in one partition (fastCountMinute). */
interface MinuteRead {
  minute: number;
  windows: WindowRead[];
}

export class CassandraFastCountStore implements FastCountStore {
  private readonly insertQuery: string;
  private readonly selectQuery: string;
  private readonly consistency: number;
  private readonly concurrency: number;
  private readonly mirror: FastCountMirror;

  constructor(
    private readonly client: cassandra.Client,
    options: CassandraDomainOptions,
    private readonly tuning: FastCountStoreTuning = {},
  ) {
    const table = `${options.keyspace}.fast_window_rows`;
    this.insertQuery = `INSERT INTO ${table} (minute, window_ms, window_start, shard, instance, counts) VALUES (?, ?, ?, ?, ?, ?) USING TTL ?`;
    this.selectQuery = `SELECT window_ms, window_start, instance, counts FROM ${table} WHERE minute = ? AND (window_ms, window_start) IN ?`;
    this.consistency = tuning.consistency ?? cassandra.types.consistencies.localOne;
    this.concurrency = tuning.concurrency ?? 64;
    this.mirror = new FastCountMirror(checkShardCount(tuning.shards ?? DEFAULT_FAST_COUNT_SHARDS));
  }

  async publish(instanceId: string, counts: readonly FastCount[], options: StoreCallOptions): Promise<void> {
    const writes = this.mirror.merge(instanceId, counts);
    // The changed rows go in as few unlogged batches as their size allows (usually one per sync):
    // see WHY FEW STATEMENTS above.
    await eachLimited(batchesOf(writes, BATCH_BYTES), this.concurrency, async (batch) => {
      const statements = batch.map(({ key, counts: row }) => ({
        query: this.insertQuery,
        params: [Long.fromNumber(fastCountMinute(key.windowStart)), key.windowMs, Long.fromNumber(key.windowStart), key.shard, instanceId, row, fastCountTtlSeconds(key.windowMs, this.tuning.ttlMarginSeconds)],
      }));
      if (statements.length === 1) await this.client.execute(statements[0]!.query, statements[0]!.params, this.queryOptions(options));
      else await this.client.batch(statements, { ...this.queryOptions(options), logged: false });
      for (const write of batch) write.landed();
    });
  }

  async readOthers(instanceId: string, keys: readonly FastCountKey[], options: StoreCallOptions): Promise<number[]> {
    const sums = new Array<number>(keys.length).fill(0);
    // One single-partition SELECT per minute, of the windows asked for (see WHY FEW STATEMENTS AND FEW PARTITIONS above).
    await eachLimited(minuteReads(keys), this.concurrency, async ({ minute, windows }) => {
      const params = [Long.fromNumber(minute), windows.map((w) => Tuple.fromArray([w.windowMs, Long.fromNumber(w.windowStart)]))];
      const result = await this.client.execute(this.selectQuery, params, this.queryOptions(options));
      let others: Map<WindowRead, Map<string, number>> | undefined;
      for (const row of result.rows) {
        // This instance knows its own counts: its rows are not worth the parse.
        if (row.get('instance') === instanceId) continue;
        const windowMs = row.get('window_ms') as number;
        const windowStart = (row.get('window_start') as cassandra.types.Long).toNumber();
        const read = windows.find((w) => w.windowMs === windowMs && w.windowStart === windowStart)!;
        others ??= new Map();
        let counted = others.get(read);
        if (!counted) others.set(read, (counted = new Map()));
        for (const [api, caller, count] of decodeShardCounts((row.get('counts') as string | null) ?? '[]')) {
          const id = partitionId({ api, caller });
          counted.set(id, (counted.get(id) ?? 0) + count);
        }
      }
      // Alone in these windows (the common case of one instance): every sum stays 0, no key is looked at.
      for (const [read, counted] of others ?? []) {
        for (const i of read.places) sums[i] = counted.get(partitionId(keys[i]!.partition)) ?? 0;
      }
    });
    return sums;
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

/** The keys grouped by window, and the windows by partition, in order of first appearance; one key asked twice is answered twice. */
function minuteReads(keys: readonly FastCountKey[]): MinuteRead[] {
  const byLength = new Map<number, Map<number, WindowRead>>();
  const minutes = new Map<number, MinuteRead>();
  keys.forEach(({ windowMs, windowStart }, i) => {
    let starts = byLength.get(windowMs);
    if (!starts) byLength.set(windowMs, (starts = new Map()));
    let read = starts.get(windowStart);
    if (!read) {
      starts.set(windowStart, (read = { windowMs, windowStart, places: [] }));
      const minute = fastCountMinute(windowStart);
      const partition = minutes.get(minute);
      if (partition) partition.windows.push(read);
      else minutes.set(minute, { minute, windows: [read] });
    }
    read.places.push(i);
  });
  return [...minutes.values()];
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
