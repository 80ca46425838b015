/**
 * What a fast limiter (fast-limiter.ts) knows, per partition and window length: the current
 * fixed window's start, this instance's own admissions in it (`local`), the other instances' sum
 * as the last sync read it (`others`), and the local count last published. Synchronous, so a
 * decision reads and records in one step with nothing running in between.
 *
 * Memory is bounded: at most `maxPartitions` partitions, least recently used first out, "recently"
 * to the second: a partition used again is moved to the young end at most once a second
 * (LRU_RESOLUTION_MS). Moving it on every decision was a Map delete and set per partition per
 * decision, 20,000 a second at 5,000 packet checks a second, whose churn made the map rebuild its
 * table again and again; to push a busy partition out, a flood of new ones must still fill the
 * whole table within about a second. A partition's state is one small object per window length,
 * and an ended window is replaced by the next (or dropped by the sync), so a partition costs the
 * same however long it lives. Callers that know a partition's id pass it (partitionId is a string
 * built per call).
 */
import { partitionId, type PartitionKey } from '../call-log.js';
import type { FastCountKey } from '../fast-count-store.js';
import { windowStart } from '../fixed-window.js';

export interface WindowCount {
  key: FastCountKey;
  /** This instance's admissions in the window. */
  local: number;
  /** The other instances' admissions in the window, as of the last sync that read it. */
  others: number;
  /** `local` as last published (-1: never), so a sync publishes only what changed. */
  published: number;
}

interface PartitionCounts {
  partition: PartitionKey;
  /** Window length (ms) -> its current window. */
  windows: Map<number, WindowCount>;
  /** When it was last moved to the young end of the table. */
  movedAtMs: number;
}

/** How stale the least-recently-used order may be: a partition is moved at most this often. */
export const LRU_RESOLUTION_MS = 1_000;

export class FastWindowTable {
  /** Partition id -> counts, in least-recently-used order (a touch moves it to the end). */
  private readonly partitions = new Map<string, PartitionCounts>();
  /** Partitions pushed out to stay under maxPartitions (their unpublished admissions are forgotten). */
  evictions = 0;

  constructor(private readonly maxPartitions: number) {
    if (!(maxPartitions >= 1)) throw new RangeError(`maxPartitions must be at least 1, got ${maxPartitions}`);
  }

  /**
   * The window of `windowMs` that `nowMs` falls in, if this instance counts anything there. A
   * window that started after `nowMs` (a decision whose time was taken just before another's)
   * is taken as the current one: counting it can only refuse early, never admit more.
   */
  peek(partition: PartitionKey, windowMs: number, nowMs: number, id = partitionId(partition)): WindowCount | undefined {
    const w = this.partitions.get(id)?.windows.get(windowMs);
    return w && w.key.windowStart >= windowStart(nowMs, windowMs) ? w : undefined;
  }

  /** The current window of `windowMs`, created (empty, nothing known of others) if need be. */
  current(partition: PartitionKey, windowMs: number, nowMs: number, id = partitionId(partition)): WindowCount {
    let p = this.partitions.get(id);
    if (p) {
      this.moveYoung(id, p, nowMs);
    } else {
      if (this.partitions.size >= this.maxPartitions) this.evictOldest();
      p = { partition, windows: new Map(), movedAtMs: nowMs };
      this.partitions.set(id, p);
    }
    const start = windowStart(nowMs, windowMs);
    const known = p.windows.get(windowMs);
    if (known && known.key.windowStart >= start) return known;
    // The previous window ended: its count is of no use to any decision from now on.
    const fresh: WindowCount = { key: { partition, windowMs, windowStart: start }, local: 0, others: 0, published: -1 };
    p.windows.set(windowMs, fresh);
    return fresh;
  }

  /** Marks a known partition as just used (a refusal records nothing but keeps its partition). */
  touch(partition: PartitionKey, nowMs: number, id = partitionId(partition)): void {
    const p = this.partitions.get(id);
    if (p) this.moveYoung(id, p, nowMs);
  }

  /** Moves a partition to the young end, unless it went there less than LRU_RESOLUTION_MS ago. */
  private moveYoung(id: string, p: PartitionCounts, nowMs: number): void {
    if (nowMs >= p.movedAtMs && nowMs - p.movedAtMs < LRU_RESOLUTION_MS) return;
    this.partitions.delete(id);
    this.partitions.set(id, p);
    p.movedAtMs = nowMs;
  }

  /** Whether `w` is still the window the table holds (an undo gives nothing back to a replaced or swept one). */
  holds(w: WindowCount): boolean {
    return this.partitions.get(partitionId(w.key.partition))?.windows.get(w.key.windowMs) === w;
  }

  /**
   * Splits the table for a sync at `nowMs`: windows still running, and windows that have ended,
   * which are dropped (partitions left with no window go too). Ended windows are handed over
   * so that their last admissions can still be published once.
   */
  sweep(nowMs: number): { running: WindowCount[]; ended: WindowCount[] } {
    const running: WindowCount[] = [];
    const ended: WindowCount[] = [];
    for (const [id, p] of this.partitions) {
      for (const [windowMs, w] of p.windows) {
        if (w.key.windowStart + windowMs > nowMs) {
          running.push(w);
        } else {
          ended.push(w);
          p.windows.delete(windowMs);
        }
      }
      if (p.windows.size === 0) this.partitions.delete(id);
    }
    return { running, ended };
  }

  get partitionCount(): number {
    return this.partitions.size;
  }

  get windowCount(): number {
    let n = 0;
    for (const p of this.partitions.values()) n += p.windows.size;
    return n;
  }

  private evictOldest(): void {
    const oldest = this.partitions.keys().next();
    if (oldest.done) return;
    this.partitions.delete(oldest.value);
    this.evictions++;
  }
}
