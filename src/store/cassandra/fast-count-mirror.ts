/**
 * What this process has published to fast_window_rows: per instance id, window and shard, the
 * whole content of that instance's row. A row holds every count of its shard, so changing one
 * count means rewriting the row, and FastCountStore.publish promises that the windows it is not
 * given keep what was published before: the rest of the row comes from here. Pure (no I/O): the
 * store asks which rows to write and says which writes landed.
 *
 * Forgetting. Per instance and window length, a row is forgotten once its window starts before
 * the previous window of the newest one published (start < newest - windowMs): only the current
 * window and the one before it are kept, whatever the TTL margin, so memory is the keys of two
 * windows per length (a margin of 60 s would mean 61 one-second windows). The fast limiter never
 * needs more: it publishes its running windows and, at the first sync after one ends, that
 * window's last count (FastWindowTable.sweep). Only after a stall longer than a window could it
 * list an older one; that row is then rewritten with what the publish lists, for a window nobody
 * decides in any more, and its earlier content expires by TTL as usual.
 */
import { partitionId } from '../../engine/call-log.js';
import type { FastCount } from '../../engine/fast-count-store.js';
import { fastCountShard, fastCountShardKeyId, encodeShardCounts, type FastCountShardKey, type ShardCountEntry } from './fast-count-shard.js';

/** A row to write: its key, its full content as of now, and what to call once the write landed. */
export interface FastCountRowWrite {
  key: FastCountShardKey;
  /** The `counts` column (encodeShardCounts). */
  counts: string;
  landed(): void;
}

interface MirroredRow {
  key: FastCountShardKey;
  /** partitionId -> its entry. A count of 0 is left out: an absent count reads as 0. */
  entries: Map<string, ShardCountEntry>;
  /**
   * Bumped by every change; the row needs a write while `written` < `version`. A write that
   * failed leaves it so, and the next publish writes the row again whatever it lists (the limiter
   * re-lists unpublished counts of running windows, but never an ended window's).
   */
  version: number;
  written: number;
}

interface InstanceRows {
  /** fastCountShardKeyId -> row. */
  rows: Map<string, MirroredRow>;
  /** Window length -> the newest window start published. */
  newestStart: Map<number, number>;
}

export class FastCountMirror {
  private readonly instances = new Map<string, InstanceRows>();

  constructor(private readonly shards: number) {}

  /**
   * Takes `counts` (absolute, for the windows listed) into `instanceId`'s rows and answers every
   * row of it that needs a write: the rows those counts changed, and the rows whose last write
   * has not landed. A count equal to what the row holds changes nothing and costs no write.
   */
  merge(instanceId: string, counts: readonly FastCount[]): FastCountRowWrite[] {
    const instance = this.instances.get(instanceId) ?? { rows: new Map(), newestStart: new Map() };
    this.instances.set(instanceId, instance);
    for (const c of counts) {
      const newest = instance.newestStart.get(c.windowMs);
      if (newest === undefined || c.windowStart > newest) instance.newestStart.set(c.windowMs, c.windowStart);
    }
    // Before merging: a window listed now is written now, however old.
    this.forgetOldRows(instance);
    for (const c of counts) this.mergeOne(instance, c);
    const writes: FastCountRowWrite[] = [];
    for (const row of instance.rows.values()) {
      if (row.written >= row.version) continue;
      const version = row.version;
      writes.push({
        key: row.key,
        counts: encodeShardCounts(row.entries.values()),
        landed: () => {
          row.written = Math.max(row.written, version);
        },
      });
    }
    if (instance.rows.size === 0) this.instances.delete(instanceId);
    return writes;
  }

  /** Rows held, over every instance id (for tests: memory stays bounded). */
  get rowCount(): number {
    let n = 0;
    for (const instance of this.instances.values()) n += instance.rows.size;
    return n;
  }

  private mergeOne(instance: InstanceRows, c: FastCount): void {
    const key: FastCountShardKey = { windowMs: c.windowMs, windowStart: c.windowStart, shard: fastCountShard(c.partition, this.shards) };
    const rowId = fastCountShardKeyId(key);
    let row = instance.rows.get(rowId);
    if (!row) {
      row = { key, entries: new Map(), version: 0, written: 0 };
      instance.rows.set(rowId, row);
    }
    const id = partitionId(c.partition);
    const held = row.entries.get(id)?.[2] ?? 0;
    if (held === c.count) return;
    if (c.count === 0) row.entries.delete(id);
    else row.entries.set(id, [c.partition.api, c.partition.caller, c.count]);
    row.version++;
  }

  private forgetOldRows(instance: InstanceRows): void {
    for (const [rowId, row] of instance.rows) {
      const newest = instance.newestStart.get(row.key.windowMs)!;
      if (row.key.windowStart < newest - row.key.windowMs) instance.rows.delete(rowId);
    }
  }
}
