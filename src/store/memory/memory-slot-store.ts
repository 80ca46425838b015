/**
 * The in-memory SlotStore: the embedded store for `npm start` on a laptop. Same semantics as the
 * Cassandra store (contract suite): a slot counts while its expires_at is after the time the
 * caller gives, and a release finds a lease's slots through a lease index. Each call runs to its
 * end without yielding, so an acquire's read and write are one step and need no version.
 */
import { partitionId, type PartitionKey, type StoreCallOptions } from '../../engine/call-log.js';
import type { AcquireResult, SlotStore } from '../../engine/slot-store.js';

interface Partition {
  key: PartitionKey;
  /** Lease id -> expires_at (epoch ms). */
  slots: Map<string, number>;
}

export class MemorySlotStore implements SlotStore {
  private readonly partitions = new Map<string, Partition>();
  /** Lease id -> the partitions (by partitionId) it holds a slot in. */
  private readonly leases = new Map<string, Set<string>>();

  async acquire(partition: PartitionKey, leaseId: string, max: number, leaseMs: number, nowMs: number, _options?: StoreCallOptions): Promise<AcquireResult> {
    if (!(leaseMs > 0)) throw new RangeError(`leaseMs must be positive, got ${leaseMs}`);
    const id = partitionId(partition);
    const p = this.live(id, nowMs) ?? { key: { api: partition.api, caller: partition.caller }, slots: new Map<string, number>() };
    if (p.slots.has(leaseId)) return { acquired: true, held: p.slots.size };
    if (p.slots.size >= max) return { acquired: false, held: p.slots.size, freesAtMs: Math.min(...p.slots.values()) };
    p.slots.set(leaseId, nowMs + leaseMs);
    this.partitions.set(id, p);
    const held = this.leases.get(leaseId) ?? new Set<string>();
    held.add(id);
    this.leases.set(leaseId, held);
    return { acquired: true, held: p.slots.size };
  }

  /** Needs no time: every slot the lease still has here goes, expired or not yet swept. */
  async release(leaseId: string, _options?: StoreCallOptions): Promise<PartitionKey[]> {
    const held = this.leases.get(leaseId);
    if (!held) return [];
    this.leases.delete(leaseId);
    const removed: PartitionKey[] = [];
    for (const id of held) {
      const p = this.partitions.get(id);
      if (!p?.slots.delete(leaseId)) continue;
      removed.push(p.key);
      if (p.slots.size === 0) this.partitions.delete(id);
    }
    return removed;
  }

  async held(partition: PartitionKey, nowMs: number, _options?: StoreCallOptions): Promise<number> {
    return this.live(partitionId(partition), nowMs)?.slots.size ?? 0;
  }

  /** Drops every slot expired at `nowMs` (what Cassandra's TTL does); answers how many. Bounds memory. */
  prune(nowMs: number): number {
    let removed = 0;
    for (const id of [...this.partitions.keys()]) removed += this.sweep(id, nowMs);
    return removed;
  }

  /** Partitions holding slots, expired or not (for tests and metrics). */
  get size(): number {
    return this.partitions.size;
  }

  /** The partition with its expired slots swept away; undefined when none is left. */
  private live(id: string, nowMs: number): Partition | undefined {
    this.sweep(id, nowMs);
    return this.partitions.get(id);
  }

  private sweep(id: string, nowMs: number): number {
    const p = this.partitions.get(id);
    if (!p) return 0;
    let removed = 0;
    for (const [leaseId, expiresAtMs] of p.slots) {
      if (expiresAtMs > nowMs) continue;
      p.slots.delete(leaseId);
      removed++;
      const held = this.leases.get(leaseId);
      held?.delete(id);
      if (held?.size === 0) this.leases.delete(leaseId);
    }
    if (p.slots.size === 0) this.partitions.delete(id);
    return removed;
  }
}
