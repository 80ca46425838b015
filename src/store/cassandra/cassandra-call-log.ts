/**
 * The Cassandra CallLog: the design notes' calls table, made exact under concurrency.
 * read   = one bounded slice (newest `limit` rows) with the static version and reset marker,
 *          prepared, at the configured consistency (LOCAL_QUORUM);
 * append = one conditional batch on the partition: INSERT the call(s), UPDATE seq IF seq = read;
 * remove = the same batch shape with a DELETE, and reset = a conditional UPDATE of reset_at:
 *          both move seq on, so a version always names one set of calls, and both are Paxos
 *          writes, so they are ordered with the admissions they follow.
 * The client is built by main.ts and handed in.
 */
import cassandra from 'cassandra-driver';
import type { AppendManyResult, AppendResult, CallLog, LogState, PartitionKey, StoreCallOptions } from '../../engine/call-log.js';

const { types } = cassandra;
type Statement = { query: string; params: unknown[] };

export interface CassandraConsistency {
  /** For reads and the commit of conditional writes (LOCAL_QUORUM by default). */
  consistency: number;
  /** For the Paxos phase of conditional writes (LOCAL_SERIAL by default). */
  serialConsistency: number;
  /** Told of every partition an admission landed in (the prune job's index). */
  registry?: { register(partition: PartitionKey, ttlSeconds: number, atMs: number): void };
}

/** Conflicts a remove or reset retries before giving up (admissions on one partition are brief). */
const MAX_CONFLICTS = 20;

export class CassandraCallLog implements CallLog {
  private readonly readQuery: string;
  private readonly insertQuery: string;
  private readonly deleteQuery: string;
  private readonly bumpQuery: string;
  private readonly resetQuery: string;

  constructor(
    private readonly client: cassandra.Client,
    keyspace: string,
    private readonly consistency: CassandraConsistency,
  ) {
    const table = `${keyspace}.calls`;
    this.readQuery = `SELECT seq, reset_at, time FROM ${table} WHERE caller = ? AND api = ? LIMIT ?`;
    this.insertQuery = `INSERT INTO ${table} (caller, api, time) VALUES (?, ?, ?) USING TTL ?`;
    this.deleteQuery = `DELETE FROM ${table} WHERE caller = ? AND api = ? AND time = ?`;
    this.bumpQuery = `UPDATE ${table} USING TTL ? SET seq = ? WHERE caller = ? AND api = ? IF seq = ?`;
    this.resetQuery = `UPDATE ${table} USING TTL ? SET reset_at = ?, seq = ? WHERE caller = ? AND api = ? IF seq = ?`;
  }

  async read(partition: PartitionKey, sinceMs: number, limit: number, options: StoreCallOptions): Promise<LogState> {
    // No clustering restriction: a slice with one would drop the static columns when no row is
    // in range. LIMIT bounds the read; rows older than the window are dropped here.
    const result = await this.client.execute(this.readQuery, [partition.caller, partition.api, limit], {
      prepare: true,
      consistency: this.consistency.consistency,
      readTimeout: options.timeoutMs,
      isIdempotent: true,
    });
    const first = result.first();
    const version = first?.get('seq') == null ? 0 : Number(first.get('seq'));
    // Calls at or before an operator's reset no longer count.
    const resetAt = (first?.get('reset_at') as Date | null | undefined)?.getTime() ?? -Infinity;
    const floor = Math.max(sinceMs, resetAt);
    const callsMs: number[] = [];
    for (const row of result.rows) {
      const time = row.get('time') as cassandra.types.TimeUuid | null;
      if (!time) continue;
      const atMs = time.getDate().getTime();
      if (atMs <= floor) break;
      callsMs.push(atMs);
    }
    return { version, callsMs };
  }

  async append(partition: PartitionKey, expectedVersion: number, atMs: number, ttlSeconds: number, options: StoreCallOptions): Promise<AppendResult> {
    const result = await this.appendMany(partition, expectedVersion, [atMs], ttlSeconds, options);
    return result.applied ? { applied: true, callId: result.callIds[0]! } : result;
  }

  async appendMany(partition: PartitionKey, expectedVersion: number, atMs: readonly number[], ttlSeconds: number, options: StoreCallOptions): Promise<AppendManyResult> {
    if (atMs.length === 0) throw new RangeError('appendMany needs at least one call');
    // Distinct TimeUuids even for calls in the same millisecond (the driver varies the ticks).
    const times = atMs.map((ms) => types.TimeUuid.fromDate(new Date(ms)));
    const applied = await this.conditionalBatch(
      [
        ...times.map((time) => ({ query: this.insertQuery, params: [partition.caller, partition.api, time, ttlSeconds] })),
        { query: this.bumpQuery, params: [ttlSeconds, ...this.versionParams(partition, expectedVersion)] },
      ],
      options,
    );
    if (!applied) return { applied: false };
    this.consistency.registry?.register(partition, ttlSeconds, atMs[0]!);
    return { applied: true, callIds: times.map((time) => time.toString()) };
  }

  async remove(partition: PartitionKey, callId: string, ttlSeconds: number, options: StoreCallOptions): Promise<void> {
    const time = types.TimeUuid.fromString(callId);
    await this.untilApplied('remove', partition, options, (version) => [
      { query: this.deleteQuery, params: [partition.caller, partition.api, time] },
      { query: this.bumpQuery, params: [ttlSeconds, ...this.versionParams(partition, version)] },
    ]);
  }

  async reset(partition: PartitionKey, atMs: number, ttlSeconds: number, options: StoreCallOptions): Promise<void> {
    await this.untilApplied('reset', partition, options, (version) => [
      { query: this.resetQuery, params: [ttlSeconds, new Date(atMs), ...this.versionParams(partition, version)] },
    ]);
  }

  /** [next version, caller, api, expected version] for `... SET seq = ? WHERE ... IF seq = ?`. */
  private versionParams(partition: PartitionKey, expected: number): unknown[] {
    return [types.Long.fromNumber(expected + 1), partition.caller, partition.api, expected === 0 ? null : types.Long.fromNumber(expected)];
  }

  /** Reads the version and retries the conditional statements until they land on it. */
  private async untilApplied(what: string, partition: PartitionKey, options: StoreCallOptions, statements: (version: number) => Statement[]): Promise<void> {
    for (let attempt = 1; attempt <= MAX_CONFLICTS; attempt++) {
      const { version } = await this.read(partition, 0, 1, options);
      if (await this.conditionalBatch(statements(version), options)) return;
    }
    throw new Error(`${what} of ${partition.api} kept conflicting with admissions`);
  }

  private async conditionalBatch(statements: Statement[], options: StoreCallOptions): Promise<boolean> {
    const queryOptions = {
      prepare: true,
      consistency: this.consistency.consistency,
      serialConsistency: this.consistency.serialConsistency,
      readTimeout: options.timeoutMs,
      // A timed-out compare-and-set may or may not have landed: never replay it blindly.
      isIdempotent: false,
    };
    const result =
      statements.length === 1
        ? await this.client.execute(statements[0]!.query, statements[0]!.params, queryOptions)
        : await this.client.batch(statements, queryOptions);
    return result.wasApplied();
  }
}
