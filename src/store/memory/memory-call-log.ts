/**
 * The in-memory CallLog: the embedded store for `npm start` on a laptop, and each instance's
 * local fallback when Cassandra fails. Same semantics as the Cassandra log (contract suite),
 * TTL included, so switching stores never changes a decision.
 */
import type { Clock } from '../../clock.js';
import { partitionId, type AppendManyResult, type AppendResult, type LocalCallLog, type LogState, type PartitionKey, type StoreCallOptions } from '../../engine/call-log.js';
import type { PendingCall, PendingCalls } from '../../engine/write-back.js';

interface Call {
  id: string;
  atMs: number;
  expiresAtMs: number;
}

interface Partition {
  key: PartitionKey;
  version: number;
  expiresAtMs: number;
  /** Newest first. */
  calls: Call[];
}

export class MemoryCallLog implements LocalCallLog, PendingCalls {
  private readonly partitions = new Map<string, Partition>();
  private nextId = 0;

  constructor(private readonly clock: Clock) {}

  async read(partition: PartitionKey, sinceMs: number, limit: number, _options?: StoreCallOptions): Promise<LogState> {
    return this.readNow(partition, sinceMs, limit);
  }

  readNow(partition: PartitionKey, sinceMs: number, limit: number): LogState {
    const p = this.live(partitionId(partition));
    if (!p) return { version: 0, callsMs: [] };
    const callsMs: number[] = [];
    for (const call of p.calls) {
      if (call.atMs <= sinceMs || callsMs.length >= limit) break;
      callsMs.push(call.atMs);
    }
    return { version: p.version, callsMs };
  }

  async append(partition: PartitionKey, expectedVersion: number, atMs: number, ttlSeconds: number, _options?: StoreCallOptions): Promise<AppendResult> {
    const result = this.appendAt(partition, expectedVersion, [atMs], ttlSeconds);
    return result.applied ? { applied: true, callId: result.callIds[0]! } : result;
  }

  async appendMany(partition: PartitionKey, expectedVersion: number, atMs: readonly number[], ttlSeconds: number, _options?: StoreCallOptions): Promise<AppendManyResult> {
    if (atMs.length === 0) throw new RangeError('appendMany needs at least one call');
    return this.appendAt(partition, expectedVersion, atMs, ttlSeconds);
  }

  private appendAt(partition: PartitionKey, expectedVersion: number, atMs: readonly number[], ttlSeconds: number): AppendManyResult {
    const id = partitionId(partition);
    const p = this.live(id);
    if ((p?.version ?? 0) !== expectedVersion) return { applied: false };
    const expiresAtMs = this.clock() + ttlSeconds * 1000;
    const calls = p ? p.calls : [];
    const callIds = atMs.map((ms) => {
      const call = { id: `${ms}-${this.nextId++}`, atMs: ms, expiresAtMs };
      // Keep newest first; appends are nearly always the newest, so this is a short scan.
      let at = 0;
      while (at < calls.length && calls[at]!.atMs > ms) at++;
      calls.splice(at, 0, call);
      return call.id;
    });
    this.partitions.set(id, { key: { caller: partition.caller, api: partition.api }, version: expectedVersion + 1, expiresAtMs, calls });
    return { applied: true, callIds };
  }

  appendNow(partition: PartitionKey, atMs: number, ttlSeconds: number): string {
    const version = this.live(partitionId(partition))?.version ?? 0;
    const result = this.appendAt(partition, version, [atMs], ttlSeconds);
    if (!result.applied) throw new Error('unreachable: append at the current version');
    return result.callIds[0]!;
  }

  async remove(partition: PartitionKey, callId: string, _ttlSeconds?: number, _options?: StoreCallOptions): Promise<void> {
    this.removeNow(partition, callId);
  }

  removeNow(partition: PartitionKey, callId: string): void {
    const p = this.live(partitionId(partition));
    if (!p) return;
    p.calls = p.calls.filter((call) => call.id !== callId);
    p.version++;
  }

  async reset(partition: PartitionKey, atMs: number, ttlSeconds: number, _options?: StoreCallOptions): Promise<void> {
    const id = partitionId(partition);
    const p = this.live(id);
    const expiresAtMs = Math.max(p?.expiresAtMs ?? 0, this.clock() + ttlSeconds * 1000);
    const calls = (p?.calls ?? []).filter((call) => call.atMs > atMs);
    this.partitions.set(id, { key: { caller: partition.caller, api: partition.api }, version: (p?.version ?? 0) + 1, expiresAtMs, calls });
  }

  /** Every live call, oldest first per partition (for writeBack after an outage). */
  pending(): PendingCall[] {
    const now = this.clock();
    const out: PendingCall[] = [];
    for (const p of this.partitions.values()) {
      for (let i = p.calls.length - 1; i >= 0; i--) {
        const call = p.calls[i]!;
        if (call.expiresAtMs > now) out.push({ partition: p.key, callId: call.id, atMs: call.atMs, expiresAtMs: call.expiresAtMs });
      }
    }
    return out;
  }

  /** Drops expired calls and partitions; run periodically (jobs/prune-memory.ts) to bound memory. */
  prune(): number {
    const now = this.clock();
    let removed = 0;
    for (const [id, p] of this.partitions) {
      if (p.expiresAtMs <= now) {
        this.partitions.delete(id);
        removed++;
        continue;
      }
      p.calls = p.calls.filter((call) => call.expiresAtMs > now);
    }
    return removed;
  }

  /** Callers of the live partitions of a rule (the prune job's view; memory has no registry to keep). */
  callersOf(api: string): string[] {
    return [...this.partitions.values()].filter((p) => p.key.api === api && this.live(partitionId(p.key))).map((p) => p.key.caller);
  }

  /** Calls of a partition at or before `beforeMs` (all when undefined). */
  countCallsNow(partition: PartitionKey, beforeMs?: number): number {
    return this.live(partitionId(partition))?.calls.filter((c) => beforeMs === undefined || c.atMs <= beforeMs).length ?? 0;
  }

  /** Removes a partition's calls at or before `beforeMs`, or the whole partition. */
  removeCallsNow(partition: PartitionKey, beforeMs?: number): void {
    const id = partitionId(partition);
    const p = this.live(id);
    if (!p) return;
    if (beforeMs === undefined) this.partitions.delete(id);
    else p.calls = p.calls.filter((c) => c.atMs > beforeMs);
  }

  /** Partitions held, expired or not (for tests and metrics). */
  get size(): number {
    return this.partitions.size;
  }

  /** The partition if it has not expired; an expired one is forgotten, version and all, as a TTL would. */
  private live(id: string): Partition | undefined {
    const p = this.partitions.get(id);
    if (!p) return undefined;
    const now = this.clock();
    if (p.expiresAtMs <= now) {
      this.partitions.delete(id);
      return undefined;
    }
    if (p.calls.length > 0 && p.calls[p.calls.length - 1]!.expiresAtMs <= now) p.calls = p.calls.filter((c) => c.expiresAtMs > now);
    return p;
  }
}
