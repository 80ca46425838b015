/**
 * StateCache: per instance, the last known versioned state of each partition a state limiter
 * decided on (engine/limiters/state-limiter.ts). Three uses, each with its own rule of trust:
 * - a compare-and-set may start from the cached version instead of a read, but only while the
 *   row cannot have expired and started again from version 0 (`casUntilMs`): a row this
 *   instance wrote lives at least its TTL from the write, whereas a row it only read may have
 *   been written up to a TTL earlier, so read entries never skip a read. Version 0 needs no such
 *   bound: its write is "only if nothing is there".
 * - blocked() denies from an entry seen less than a second ago (a stale entry may deny what the
 *   store would now admit, so the window is short);
 * - the 'local' fallback decides on whatever this instance knows while its row may still live.
 * Bounded: the least recently used entry goes first, with recency kept to half the bound (lru-map.ts).
 */
import { partitionId, type PartitionKey } from '../call-log.js';
import { LruMap } from '../lru-map.js';

export const DEFAULT_STATE_CACHE_ENTRIES = 10_000;

export interface CachedState {
  version: number;
  /** The state as stored (the spec's encoding); undefined for a new partition. */
  text: string | undefined;
  /** When the entry was last read, written or changed by a local decision (decision time). */
  seenMs: number;
  /** A compare-and-set may start from this entry before this time. */
  casUntilMs: number;
  /** The row may have expired by this time: the entry is dropped then. */
  expiresAtMs: number;
}

export class StateCache {
  private readonly entries: LruMap<CachedState>;

  constructor(maxEntries = DEFAULT_STATE_CACHE_ENTRIES) {
    this.entries = new LruMap(maxEntries);
  }

  /** The entry, if its row may still live at `nowMs`. */
  get(partition: PartitionKey, nowMs: number): CachedState | undefined {
    const id = partitionId(partition);
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (nowMs < entry.expiresAtMs) return entry;
    this.entries.delete(id);
    return undefined;
  }

  /** The entry, if a compare-and-set may start from it at `nowMs`. */
  forWrite(partition: PartitionKey, nowMs: number): CachedState | undefined {
    const entry = this.get(partition, nowMs);
    return entry && (entry.version === 0 || nowMs < entry.casUntilMs) ? entry : undefined;
  }

  /** What a read answered at `nowMs`: never a start for a later compare-and-set (unless new). */
  read(partition: PartitionKey, version: number, text: string | undefined, nowMs: number, ttlSeconds: number): void {
    this.put(partition, { version, text, seenMs: nowMs, casUntilMs: -Infinity, expiresAtMs: nowMs + ttlSeconds * 1000 });
  }

  /** What this instance wrote: the row lives at least `ttlSeconds` from the decision that sent it. */
  wrote(partition: PartitionKey, version: number, text: string, nowMs: number, ttlSeconds: number): void {
    const untilMs = nowMs + ttlSeconds * 1000;
    this.put(partition, { version, text, seenMs: nowMs, casUntilMs: untilMs, expiresAtMs: untilMs });
  }

  /**
   * A local decision changed the state without the store: same version, so a later
   * compare-and-set from it hands the change to the store if nobody wrote meanwhile.
   */
  changedLocally(partition: PartitionKey, text: string, nowMs: number, ttlSeconds: number): void {
    const known = this.get(partition, nowMs);
    const version = known?.version ?? 0;
    const expiresAtMs = Math.max(known?.expiresAtMs ?? -Infinity, nowMs + ttlSeconds * 1000);
    this.put(partition, { version, text, seenMs: nowMs, casUntilMs: known?.casUntilMs ?? -Infinity, expiresAtMs });
  }

  forget(partition: PartitionKey): void {
    this.entries.delete(partitionId(partition));
  }

  get size(): number {
    return this.entries.size;
  }

  private put(partition: PartitionKey, entry: CachedState): void {
    this.entries.set(partitionId(partition), entry);
  }
}
