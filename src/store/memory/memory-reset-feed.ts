/** The reset feed of the embedded store: one process, so a queue that poll() drains. */
import type { PartitionKey } from '../../engine/call-log.js';
import type { ResetFeed } from '../../engine/reset-feed.js';

export class MemoryResetFeed implements ResetFeed {
  private queue: PartitionKey[] = [];

  async publish(partition: PartitionKey): Promise<void> {
    this.queue.push({ caller: partition.caller, api: partition.api });
  }

  async poll(): Promise<PartitionKey[]> {
    const out = this.queue;
    this.queue = [];
    return out;
  }
}
