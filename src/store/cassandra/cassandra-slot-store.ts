/**
 * The Cassandra SlotStore (cql/014_slots.cql): one partition of slot rows per caller and rule,
 * versioned by a static seq, and a lease index so that a release needs only the lease id.
 * acquire = read the partition, then one conditional batch (INSERT the slot, UPDATE seq IF seq =
 *           the version read), re-reading when another acquire moved seq first;
 * release = read the lease's partitions, plain DELETEs (giving back never over-admits);
 * held    = the partition's rows whose expires_at is still ahead.
 * Driver errors propagate: the caller decides what a store failure means for a decision.
 * The client is built by main.ts and handed in.
 */
import cassandra from 'cassandra-driver';
import { partitionId, type PartitionKey, type StoreCallOptions } from '../../engine/call-log.js';
import { KeyedLock } from '../../engine/keyed-lock.js';
import type { AcquireResult, SlotStore } from '../../engine/slot-store.js';
import type { CassandraDomainOptions } from './cassandra-domain-options.js';

const Long = cassandra.types.Long;

/** Lost compare-and-sets an acquire re-reads after before giving up (each loss is another acquire landing). */
const MAX_CONFLICTS = 20;

interface PartitionState {
  /** The static seq; 0 when the partition has none (never written, or every slot expired). */
  version: number;
  /** Lease id -> expires_at (epoch ms) of the slots still live at the time asked. */
  live: Map<string, number>;
}

export class CassandraSlotStore implements SlotStore {
  private readonly lock = new KeyedLock();
  private readonly readQuery: string;
  private readonly insertQuery: string;
  private readonly bumpQuery: string;
  private readonly insertLeaseQuery: string;
  private readonly readLeaseQuery: string;
  private readonly deleteSlotQuery: string;
  private readonly deleteLeaseQuery: string;

  constructor(
    private readonly client: cassandra.Client,
    private readonly options: CassandraDomainOptions,
  ) {
    const slots = `${options.keyspace}.slots`;
    const leases = `${options.keyspace}.slot_leases`;
    this.readQuery = `SELECT seq, lease_id, expires_at FROM ${slots} WHERE caller = ? AND api = ?`;
    this.insertQuery = `INSERT INTO ${slots} (caller, api, lease_id, expires_at) VALUES (?, ?, ?, ?) USING TTL ?`;
    this.bumpQuery = `UPDATE ${slots} USING TTL ? SET seq = ? WHERE caller = ? AND api = ? IF seq = ?`;
    this.deleteSlotQuery = `DELETE FROM ${slots} WHERE caller = ? AND api = ? AND lease_id = ?`;
    this.insertLeaseQuery = `INSERT INTO ${leases} (lease_id, api, caller) VALUES (?, ?, ?) USING TTL ?`;
    this.readLeaseQuery = `SELECT api, caller FROM ${leases} WHERE lease_id = ?`;
    this.deleteLeaseQuery = `DELETE FROM ${leases} WHERE lease_id = ?`;
  }

  /**
   * One acquire at a time per partition on this instance: the others would only lose the
   * compare-and-set to it and read again (32 joins at once to one room made the last ones give up
   * after MAX_CONFLICTS rounds; the bench showed it). Across instances the compare-and-set decides.
   */
  async acquire(partition: PartitionKey, leaseId: string, max: number, leaseMs: number, nowMs: number, options: StoreCallOptions): Promise<AcquireResult> {
    const turn = await this.lock.acquire(partitionId(partition), AbortSignal.timeout(options.timeoutMs));
    try {
      return await this.acquireNow(partition, leaseId, max, leaseMs, nowMs, options);
    } finally {
      turn.release();
    }
  }

  private async acquireNow(partition: PartitionKey, leaseId: string, max: number, leaseMs: number, nowMs: number, options: StoreCallOptions): Promise<AcquireResult> {
    if (!(leaseMs > 0)) throw new RangeError(`leaseMs must be positive, got ${leaseMs}`);
    const expiresAtMs = nowMs + leaseMs;
    // Cassandra's TTL has whole seconds: round up, so the row outlives its expires_at.
    const ttlSeconds = Math.ceil(leaseMs / 1000);
    for (let attempt = 1; attempt <= MAX_CONFLICTS; attempt++) {
      const state = await this.read(partition, nowMs, options);
      if (state.live.has(leaseId)) return { acquired: true, held: state.live.size };
      if (state.live.size >= max) return { acquired: false, held: state.live.size, freesAtMs: Math.min(...state.live.values()) };
      // seq must outlive every slot it guards: were it to expire first, it would read as null
      // again and an acquire that read null long ago could land on a partition it never saw.
      const longestMs = Math.max(expiresAtMs, ...state.live.values());
      const seqTtlSeconds = Math.ceil((longestMs - nowMs) / 1000) + 1;
      const applied = await this.conditionalBatch(
        [
          { query: this.insertQuery, params: [partition.caller, partition.api, leaseId, new Date(expiresAtMs), ttlSeconds] },
          {
            query: this.bumpQuery,
            params: [seqTtlSeconds, Long.fromNumber(state.version + 1), partition.caller, partition.api, state.version === 0 ? null : Long.fromNumber(state.version)],
          },
        ],
        options,
      );
      if (!applied) continue;
      // A plain write after the slot: if it is lost, release finds nothing for this partition
      // and the slot is given back by its TTL instead (at worst leaseMs late, never over-admitting).
      await this.client.execute(this.insertLeaseQuery, [leaseId, partition.api, partition.caller, ttlSeconds], this.plain(options));
      return { acquired: true, held: state.live.size + 1 };
    }
    throw new Error(`acquire of a slot in ${partition.api} kept conflicting with other acquires`);
  }

  async release(leaseId: string, options: StoreCallOptions): Promise<PartitionKey[]> {
    const result = await this.client.execute(this.readLeaseQuery, [leaseId], this.plain(options));
    if (result.rows.length === 0) return [];
    // Slots first, the index last: a release that fails half-way can be run again and still
    // finds the slots it has not given back yet.
    await Promise.all(
      result.rows.map((row) => this.client.execute(this.deleteSlotQuery, [row.get('caller') as string, row.get('api') as string, leaseId], this.plain(options))),
    );
    await this.client.execute(this.deleteLeaseQuery, [leaseId], this.plain(options));
    return result.rows.map((row) => ({ api: row.get('api') as string, caller: row.get('caller') as string }));
  }

  async held(partition: PartitionKey, nowMs: number, options: StoreCallOptions): Promise<number> {
    return (await this.read(partition, nowMs, options)).live.size;
  }

  /** The partition's version and its slots still live at `nowMs` (the TTL alone is up to a second late). */
  private async read(partition: PartitionKey, nowMs: number, options: StoreCallOptions): Promise<PartitionState> {
    // No clustering restriction, so the static seq comes back even when no slot row does.
    const result = await this.client.execute(this.readQuery, [partition.caller, partition.api], this.plain(options));
    const first = result.first();
    const version = first?.get('seq') == null ? 0 : Number(first.get('seq'));
    const live = new Map<string, number>();
    for (const row of result.rows) {
      const leaseId = row.get('lease_id') as string | null;
      const expiresAtMs = (row.get('expires_at') as Date | null)?.getTime();
      if (leaseId !== null && expiresAtMs !== undefined && expiresAtMs > nowMs) live.set(leaseId, expiresAtMs);
    }
    return { version, live };
  }

  /** Reads and plain writes: replaying them is harmless (a delete or an overwrite of the same row). */
  private plain(options: StoreCallOptions): cassandra.QueryOptions {
    return { prepare: true, consistency: this.options.consistency, readTimeout: options.timeoutMs, isIdempotent: true };
  }

  private async conditionalBatch(statements: { query: string; params: unknown[] }[], options: StoreCallOptions): Promise<boolean> {
    const result = await this.client.batch(statements, {
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
