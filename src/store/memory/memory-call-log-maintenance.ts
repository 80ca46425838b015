/** The prune job's view of the embedded call log: its partitions are in memory, so no registry is kept. */
import type { PartitionKey } from '../../engine/call-log.js';
import type { CallLogMaintenance, PruneRecord } from '../../engine/call-log-maintenance.js';
import type { MemoryCallLog } from './memory-call-log.js';

export class MemoryCallLogMaintenance implements CallLogMaintenance {
  private readonly recorded = new Map<string, number>();

  constructor(private readonly log: MemoryCallLog) {}

  async *callers(api: string): AsyncIterable<string> {
    yield* this.log.callersOf(api);
  }

  async countCalls(partition: PartitionKey, beforeMs?: number): Promise<number> {
    return this.log.countCallsNow(partition, beforeMs);
  }

  async removeCalls(partition: PartitionKey, beforeMs?: number): Promise<void> {
    this.log.removeCallsNow(partition, beforeMs);
  }

  async forgetRule(): Promise<void> {}

  async records(): Promise<PruneRecord[]> {
    return [...this.recorded].map(([api, windowMs]) => ({ api, windowMs }));
  }

  async claim(api: string, expected: number | undefined, next: number | undefined): Promise<boolean> {
    if (this.recorded.get(api) !== expected) return false;
    if (next === undefined) this.recorded.delete(api);
    else this.recorded.set(api, next);
    return true;
  }
}
