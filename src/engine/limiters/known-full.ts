/**
 * Slot partitions this instance just found full, so that a flood of requests for a full account
 * or room is refused without a store round trip. A partition is remembered for at most
 * `forMs` (one Retry-After: a slot freed on another instance meanwhile is seen after that), and
 * everything is forgotten as soon as this instance gives any slot back (a call ended, a participant
 * left: a release names a lease, not its partitions). It can only refuse early, never admit more
 * than `max`. Bounded: the oldest entries go first.
 */
import { partitionId, type PartitionKey } from '../call-log.js';

export class KnownFull {
  private readonly until = new Map<string, { untilMs: number; held: number }>();

  constructor(
    private readonly forMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** A refused acquire: `held` slots were live at `nowMs`. */
  remember(partition: PartitionKey, held: number, nowMs: number): void {
    const id = partitionId(partition);
    this.until.delete(id);
    if (this.until.size >= this.maxEntries) this.until.delete(this.until.keys().next().value!);
    this.until.set(id, { untilMs: nowMs + this.forMs, held });
  }

  /** The held count last seen if the partition is known full at `nowMs`. */
  held(partition: PartitionKey, nowMs: number): number | undefined {
    const id = partitionId(partition);
    const entry = this.until.get(id);
    if (!entry) return undefined;
    if (entry.untilMs <= nowMs) {
      this.until.delete(id);
      return undefined;
    }
    return entry.held;
  }

  /** This instance gave slots back. */
  clear(): void {
    this.until.clear();
  }
}
