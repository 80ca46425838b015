/**
 * The in-memory FastCountStore: shared by every fast limiter of one process (tests, the embedded
 * store of `npm start` on a laptop, where there is one instance and nothing to share). Same
 * semantics as the Cassandra store (contract suite): absolute counts per instance, rows that
 * expire `windowMs + margin` after their last write, on the clock it is given.
 */
import type { Clock } from '../../clock.js';
import type { StoreCallOptions } from '../../engine/call-log.js';
import { fastCountKeyId, fastCountTtlSeconds, type FastCount, type FastCountKey, type FastCountStore } from '../../engine/fast-count-store.js';

interface Row {
  count: number;
  expiresAtMs: number;
}

export class MemoryFastCountStore implements FastCountStore {
  /** Window key -> instance id -> its row. */
  private readonly windows = new Map<string, Map<string, Row>>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMarginSeconds?: number,
  ) {}

  async publish(instanceId: string, counts: readonly FastCount[], _options?: StoreCallOptions): Promise<void> {
    const nowMs = this.clock();
    for (const c of counts) {
      const id = fastCountKeyId(c);
      const rows = this.windows.get(id) ?? new Map<string, Row>();
      rows.set(instanceId, { count: c.count, expiresAtMs: nowMs + fastCountTtlSeconds(c.windowMs, this.ttlMarginSeconds) * 1000 });
      this.windows.set(id, rows);
    }
  }

  async readOthers(instanceId: string, keys: readonly FastCountKey[], _options?: StoreCallOptions): Promise<number[]> {
    const nowMs = this.clock();
    return keys.map((key) => {
      let sum = 0;
      for (const [instance, row] of this.windows.get(fastCountKeyId(key)) ?? []) {
        if (instance !== instanceId && row.expiresAtMs > nowMs) sum += row.count;
      }
      return sum;
    });
  }

  /** Drops every expired row (what Cassandra's TTL does); answers how many. Bounds memory. */
  prune(nowMs: number): number {
    let removed = 0;
    for (const [id, rows] of this.windows) {
      for (const [instance, row] of rows) {
        if (row.expiresAtMs > nowMs) continue;
        rows.delete(instance);
        removed++;
      }
      if (rows.size === 0) this.windows.delete(id);
    }
    return removed;
  }

  /** Windows holding rows, expired or not (for tests). */
  get size(): number {
    return this.windows.size;
  }
}
