/**
 * Heavy-hitter summaries of the embedded store: one process, so a map, with each summary dropped
 * once its TTL has passed (read on the clock it is given, as Cassandra would let it expire).
 * Tests share one between two apps to play two instances.
 */
import type { Clock } from '../../clock.js';
import type { BucketSummary, HeavyHitterStore, PublishedSummary } from '../../heavy-hitters/heavy-hitter-store.js';
import type { HeavyHitterWindow } from '../../heavy-hitters/heavy-hitter-windows.js';

interface Row {
  summary: BucketSummary;
  expiresAtMs: number;
}

export class MemoryHeavyHitterStore implements HeavyHitterStore {
  /** "rule window bucket" -> "instance side" -> row, as the Cassandra table's partitions and rows. */
  private readonly partitions = new Map<string, Map<string, Row>>();

  constructor(private readonly clock: Clock) {}

  async write(summaries: readonly PublishedSummary[]): Promise<void> {
    const now = this.clock();
    this.expire(now);
    for (const { ttlSeconds, ...summary } of summaries) {
      const id = partitionOf(summary.rule, summary.window, summary.bucketStartMs);
      let rows = this.partitions.get(id);
      if (!rows) {
        rows = new Map();
        this.partitions.set(id, rows);
      }
      // A copy, so that the writer's later changes do not reach what was stored.
      rows.set(`${summary.instance} ${summary.side}`, { summary: structuredClone(summary), expiresAtMs: now + ttlSeconds * 1000 });
    }
  }

  async read(rule: string, window: HeavyHitterWindow, bucketStartsMs: readonly number[]): Promise<BucketSummary[]> {
    const now = this.clock();
    const found: BucketSummary[] = [];
    for (const start of bucketStartsMs) {
      for (const row of this.partitions.get(partitionOf(rule, window, start))?.values() ?? []) {
        if (row.expiresAtMs > now) found.push(structuredClone(row.summary));
      }
    }
    return found;
  }

  private expire(now: number): void {
    for (const [id, rows] of this.partitions) {
      for (const [slot, row] of rows) if (row.expiresAtMs <= now) rows.delete(slot);
      if (rows.size === 0) this.partitions.delete(id);
    }
  }
}

const partitionOf = (rule: string, window: HeavyHitterWindow, bucketStartMs: number) => `${rule} ${window} ${bucketStartMs}`;
