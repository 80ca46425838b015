/**
 * The in-memory StateStore (engine/state-store.ts): the embedded store for `npm start` on a
 * laptop and for tests. Same semantics as the Cassandra store (contract suite), TTL included: a
 * row expires whole `ttlSeconds` after its last write, and the partition then reads as new
 * (version 0) again. Each call runs to its end without yielding, so a compare-and-set is one step.
 */
import type { Clock } from '../../clock.js';
import { partitionId, type PartitionKey, type StoreCallOptions } from '../../engine/call-log.js';
import type { StateStore, VersionedState } from '../../engine/state-store.js';

interface Row {
  version: number;
  state: string;
  expiresAtMs: number;
}

const NEW: VersionedState = Object.freeze({ version: 0, state: undefined });

export class MemoryStateStore implements StateStore {
  private readonly rows = new Map<string, Row>();

  constructor(private readonly clock: Clock) {}

  async read(partition: PartitionKey, _options?: StoreCallOptions): Promise<VersionedState> {
    return this.readNow(partition);
  }

  /** The partition's state, synchronously. */
  readNow(partition: PartitionKey): VersionedState {
    const row = this.live(partitionId(partition));
    return row ? { version: row.version, state: row.state } : NEW;
  }

  async write(partition: PartitionKey, expectedVersion: number, state: string, ttlSeconds: number, _options?: StoreCallOptions): Promise<boolean> {
    if (!Number.isInteger(expectedVersion) || expectedVersion < 0) throw new RangeError(`expectedVersion must be a whole number >= 0, got ${expectedVersion}`);
    if (!(ttlSeconds > 0)) throw new RangeError(`ttlSeconds must be positive, got ${ttlSeconds}`);
    const id = partitionId(partition);
    if ((this.live(id)?.version ?? 0) !== expectedVersion) return false;
    // Whole seconds, rounded up, as Cassandra keeps them.
    this.rows.set(id, { version: expectedVersion + 1, state, expiresAtMs: this.clock() + Math.ceil(ttlSeconds) * 1000 });
    return true;
  }

  /** Drops every row expired at `nowMs` (what Cassandra's TTL does); answers how many. Bounds memory. */
  prune(nowMs: number): number {
    let removed = 0;
    for (const [id, row] of this.rows) {
      if (row.expiresAtMs > nowMs) continue;
      this.rows.delete(id);
      removed++;
    }
    return removed;
  }

  /** Rows held, expired or not yet pruned (for tests and metrics). */
  get size(): number {
    return this.rows.size;
  }

  private live(id: string): Row | undefined {
    const row = this.rows.get(id);
    if (!row) return undefined;
    if (row.expiresAtMs > this.clock()) return row;
    this.rows.delete(id);
    return undefined;
  }
}
