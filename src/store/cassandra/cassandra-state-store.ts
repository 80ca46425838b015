/**
 * The Cassandra StateStore (cql/015_limiter_state.cql): one row per caller and rule holding the
 * limiter's state and its version.
 * read  = one single-row read at the configured consistency (LOCAL_QUORUM), as the call log and
 *         slot store read: the commit of a lightweight transaction is written at that level, so a
 *         quorum read sees every committed state. One still in flight may be missed, which only
 *         makes the next compare-and-set lose and read again (never an admission on a state
 *         nobody decided on), so a SERIAL read's extra Paxos round is not needed here;
 * write = a lightweight transaction: INSERT ... IF NOT EXISTS at version 0, otherwise
 *         UPDATE ... IF version = expected; state and version are rewritten together USING TTL,
 *         so the row expires whole.
 * A write whose answer never came (a timeout) may or may not have landed: it throws, never
 * answers false, and is never replayed by the driver. The client is built by main.ts and handed in.
 */
import cassandra from 'cassandra-driver';
import type { PartitionKey, StoreCallOptions } from '../../engine/call-log.js';
import type { StateStore, VersionedState } from '../../engine/state-store.js';
import type { CassandraDomainOptions } from './cassandra-domain-options.js';

const Long = cassandra.types.Long;

export class CassandraStateStore implements StateStore {
  private readonly readQuery: string;
  private readonly insertQuery: string;
  private readonly updateQuery: string;

  constructor(
    private readonly client: cassandra.Client,
    private readonly options: CassandraDomainOptions,
  ) {
    const table = `${options.keyspace}.limiter_state`;
    this.readQuery = `SELECT version, state FROM ${table} WHERE api = ? AND caller = ?`;
    this.insertQuery = `INSERT INTO ${table} (api, caller, version, state) VALUES (?, ?, ?, ?) IF NOT EXISTS USING TTL ?`;
    this.updateQuery = `UPDATE ${table} USING TTL ? SET state = ?, version = ? WHERE api = ? AND caller = ? IF version = ?`;
  }

  async read(partition: PartitionKey, options: StoreCallOptions): Promise<VersionedState> {
    const result = await this.client.execute(this.readQuery, [partition.api, partition.caller], {
      prepare: true,
      consistency: this.options.consistency,
      readTimeout: options.timeoutMs,
      isIdempotent: true,
    });
    const row = result.first();
    const version = row?.get('version');
    if (version == null) return { version: 0, state: undefined };
    // Both cells carry the same TTL, so a row has both or is gone; a state removed by hand reads
    // as a new state at the row's version, which the next compare-and-set can still replace.
    return { version: Number(version), state: (row!.get('state') as string | null) ?? undefined };
  }

  async write(partition: PartitionKey, expectedVersion: number, state: string, ttlSeconds: number, options: StoreCallOptions): Promise<boolean> {
    if (!Number.isInteger(expectedVersion) || expectedVersion < 0) throw new RangeError(`expectedVersion must be a whole number >= 0, got ${expectedVersion}`);
    if (!(ttlSeconds > 0)) throw new RangeError(`ttlSeconds must be positive, got ${ttlSeconds}`);
    // Cassandra's TTL has whole seconds: round up, so the row outlives what the limiter asked.
    const ttl = Math.ceil(ttlSeconds);
    const next = Long.fromNumber(expectedVersion + 1);
    const [query, params] =
      expectedVersion === 0
        ? [this.insertQuery, [partition.api, partition.caller, next, state, ttl]]
        : [this.updateQuery, [ttl, state, next, partition.api, partition.caller, Long.fromNumber(expectedVersion)]];
    const result = await this.client.execute(query, params, {
      prepare: true,
      consistency: this.options.consistency,
      serialConsistency: this.options.serialConsistency,
      readTimeout: options.timeoutMs,
      // A timed-out compare-and-set may or may not have landed: never replay it blindly.
      isIdempotent: false,
    });
    return result.wasApplied();
  }
}
