/**
 * UnsettledAppends: per instance, the store appends it has sent and not seen settled.
 *
 * The local fallback decides from what this instance knows of a partition (the PartitionCache
 * and its own local calls). An append in flight is not in either: a store decision still waiting
 * for its compare-and-set, or one that missed its deadline with the compare-and-set sent, whose
 * outcome this instance may never learn (a timed-out lightweight transaction may still apply).
 * Counting such appends as taken is what keeps the fallback from admitting one more than the
 * limit while they land (found by `npm run node-loss`: 6 of 50 under a limit of 5).
 *
 * A claim is dropped when its answer arrives, when an append sent after it to the same partition
 * lands (the version moved past it, so the state then read says whether it landed), or when it leaves
 * the rule's longest window. A decision never counts its own claims. Only this instance's
 * decisions use it; the PartitionCache stays what Cassandra confirmed, so it still denies only
 * what Cassandra would deny. Bounded: the least recently claimed partition goes first.
 */
import type { Rule } from '../rules/rule.js';
import { partitionId, type PartitionKey } from './call-log.js';
import { readPlan } from './decide.js';
import { DEFAULT_PARTITION_CACHE_ENTRIES } from './partition-cache.js';
import { BoundedMemo } from '../keys/bounded-memo.js';

/** Who sent an append: one object per decision, compared by identity. */
export type Owner = object;

interface Claim {
  owner: Owner;
  /** Order of sending, across partitions. */
  seq: number;
  atMs: number;
  validUntilMs: number;
}

export class UnsettledAppends {
  private readonly claims: BoundedMemo<string, Claim[]>;
  private nextSeq = 0;

  constructor(maxPartitions = DEFAULT_PARTITION_CACHE_ENTRIES) {
    // The oldest partition first out (renewed on every add), without Map.keys().next()'s walk over deleted slots.
    this.claims = new BoundedMemo(maxPartitions);
  }

  /** `owner` is about to send an append of a call at `atMs` to `partition`; returns the claim's place in the order of sending. */
  add(rule: Rule, partition: PartitionKey, owner: Owner, atMs: number): number {
    const seq = this.nextSeq++;
    const id = partitionId(partition);
    const list = this.claims.get(id) ?? [];
    this.claims.delete(id);
    list.push({ owner, seq, atMs, validUntilMs: atMs + readPlan(rule.limits).windowMs });
    this.claims.set(id, list);
    return seq;
  }

  /** The calls claimed on `partition` by decisions other than `except`, still inside their window. */
  callsMs(partition: PartitionKey, nowMs: number, except?: Owner): number[] {
    const id = partitionId(partition);
    const list = this.claims.get(id);
    if (!list) return [];
    const live = list.filter((claim) => claim.validUntilMs > nowMs);
    if (live.length === 0) this.claims.delete(id);
    else if (live.length < list.length) this.claims.set(id, live);
    return live.flatMap((claim) => (claim.owner === except ? [] : [claim.atMs]));
  }

  /** `owner`'s append to `partition` is settled (its answer came, or its call is counted another way). */
  drop(partition: PartitionKey, owner: Owner): void {
    this.keep(partition, (claim) => claim.owner !== owner);
  }

  /**
   * An append to `partition` sent as claim `seq` landed: the claims sent before it are settled by
   * the version it moved on (each was decided on a version no newer than this one's, so it either
   * landed first, and is in the state this append was decided on, or can no longer land). Claims
   * sent after it stay: they may have been decided on the state it made.
   */
  settleSentBefore(partition: PartitionKey, seq: number): void {
    this.keep(partition, (claim) => claim.seq >= seq);
  }

  /** Partitions with claims (for tests and metrics). */
  get size(): number {
    return this.claims.size;
  }

  private keep(partition: PartitionKey, which: (claim: Claim) => boolean): void {
    const id = partitionId(partition);
    const list = this.claims.get(id);
    if (!list) return;
    const kept = list.filter(which);
    if (kept.length === 0) this.claims.delete(id);
    else this.claims.set(id, kept);
  }
}
