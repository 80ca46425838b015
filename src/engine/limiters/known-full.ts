/**
 * Slot partitions this instance just found full, so that a flood of requests for a full account,
 * room or carrier set is refused without a store round trip (each refusal from the store is a
 * quorum read or more: a flood would turn into thousands of reads a second).
 *
 * A partition is remembered for `memoryMs` (SLOT_REFUSAL_MEMORY_MS), or until its earliest slot
 * expires when the store said so, whichever comes first: a slot freed on another instance is seen
 * here within that memory. A partition this instance gives a slot back in is forgotten at once (the
 * store's release names them): only there, so that calls ending elsewhere all day do not keep a
 * flooded partition's memory empty. It can only refuse early, never admit: an
 * admission is always the store's compare-and-set, so the limit holds exactly across instances.
 * 0 remembers nothing. Bounded: the oldest entries go first.
 *
 * When the memory has passed, ONE request (the probe, whoever takes first) asks the store again,
 * and the others are still refused from memory until it answers (for one more memory at most):
 * without that, every request of a flood that arrives during the probe's round trip would read
 * the partition too (with 32 connections on 5 flooded partitions, 6 reads per partition per
 * memory instead of 1). A slot freed on another instance is therefore seen here within the memory
 * and one store round trip.
 */
import { BoundedMemo } from '../../keys/bounded-memo.js';
import { partitionId, type PartitionKey } from '../call-log.js';

export class KnownFull {
  private readonly entries: BoundedMemo<string, { untilMs: number; held: number; probeUntilMs: number }>;

  constructor(
    private readonly memoryMs: number,
    maxEntries = 10_000,
  ) {
    this.entries = new BoundedMemo(maxEntries);
  }

  /** A refused acquire: `held` slots were live at `nowMs`; the earliest frees by itself at `freesAtMs` if known. */
  remember(partition: PartitionKey, held: number, nowMs: number, freesAtMs?: number): void {
    const untilMs = Math.min(nowMs + this.memoryMs, freesAtMs ?? Infinity);
    if (untilMs <= nowMs) return;
    const id = partitionId(partition);
    // Deleted first so that a partition found full again moves to the newest end.
    this.entries.delete(id);
    this.entries.set(id, { untilMs, held, probeUntilMs: 0 });
  }

  /**
   * The held count last seen if the partition is to be refused from memory at `nowMs`; undefined:
   * ask the store. `probe`: the caller asks the store next if told undefined (take(), not a peek
   * such as blocked()), so it becomes the one probe of an entry whose memory has passed.
   */
  held(partition: PartitionKey, nowMs: number, probe = false): number | undefined {
    // The common case (nothing full, or the memory off) needs no partition id.
    if (this.entries.size === 0) return undefined;
    const id = partitionId(partition);
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (nowMs < entry.untilMs || nowMs < entry.probeUntilMs) return entry.held;
    // A probe that never answered (its store call failed) leaves the entry to be dropped.
    if (entry.probeUntilMs > 0) this.entries.delete(id);
    else if (probe) entry.probeUntilMs = nowMs + this.memoryMs;
    return undefined;
  }

  /** This instance gave a slot back in each of these partitions: none of them is known full any more. */
  forget(partitions: readonly PartitionKey[]): void {
    if (this.entries.size === 0) return;
    for (const partition of partitions) this.entries.delete(partitionId(partition));
  }

  /** Partitions remembered, expired or not yet swept (for tests). */
  get size(): number {
    return this.entries.size;
  }
}
