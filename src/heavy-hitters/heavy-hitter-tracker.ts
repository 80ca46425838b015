/**
 * HeavyHitterTracker: this instance's share of the heavy hitters. Every throttle decision event
 * is counted, by its partition key (`caller`, never a raw key), into one space-saving summary per
 * rule, side (refused or admitted) and window bucket; the publish job hands the summaries that
 * changed to the store every few seconds, and a report merges them with every other instance's.
 *
 * Memory is bounded: a summary holds at most `capacity` counters, and a bucket is kept only while
 * it is open or, once closed, until it is published (or has left its window, if the store is
 * down). So an instance holds about rules x 2 sides x 3 windows summaries, and never more than
 * rules x 2 x (7 + 13 + 25) of them. Pure: times are arguments.
 */
import type { BucketSummary, HeavyHitterSide, PublishedSummary } from './heavy-hitter-store.js';
import { bucketIsLive, bucketStartOf, HEAVY_HITTER_WINDOWS, summaryTtlSeconds, WINDOW_SPANS, type HeavyHitterWindow } from './heavy-hitter-windows.js';
import { SpaceSaving } from './space-saving.js';

/** What the tracker reads of a decision event (src/http/decision-events.ts's DecisionEvent fits). */
export interface Observation {
  rule: string;
  outcome: string;
  caller: string;
  /** The normalised key, present only when TOP_K_SHOW_KEYS is on. */
  key?: string;
}

/** Shadow and allow-listed decisions enforce nothing, so they are neither side. */
export function sideOf(outcome: string): HeavyHitterSide | undefined {
  if (outcome === 'admitted' || outcome === 'delayed') return 'admitted';
  if (outcome === 'limited' || outcome === 'marked' || outcome === 'denied-listed') return 'refused';
  return undefined;
}

export interface HeavyHitterTrackerOptions {
  /** Counters per summary (TOP_K_CAPACITY). */
  capacity: number;
  /** Names this instance's summaries in the store. */
  instanceId: string;
}

/** Summaries to publish; `done` marks them published once the store took them. */
export interface PublishBatch {
  summaries: PublishedSummary[];
  done(nowMs: number): void;
}

interface Bucket {
  rule: string;
  window: HeavyHitterWindow;
  bucketStartMs: number;
  side: HeavyHitterSide;
  summary: SpaceSaving;
  /** Events counted; the summary changed since it was published while this exceeds `publishedVersion`. */
  version: number;
  publishedVersion: number;
  /** Let go of (published and closed, or out of every window): events go to a new bucket. */
  dropped: boolean;
}

export class HeavyHitterTracker {
  /** Every bucket held, by "window start side rule". */
  private readonly buckets = new Map<string, Bucket>();
  /** Per rule and side, the bucket of each window that took the last event: nearly every event goes there again. */
  private readonly newest = new Map<string, Record<HeavyHitterSide, Bucket[]>>();

  constructor(readonly options: HeavyHitterTrackerOptions) {}

  get instanceId(): string {
    return this.options.instanceId;
  }

  /** Counts the refused and admitted events of one request, decided at atMs. */
  observe(events: readonly Observation[], atMs: number): void {
    for (const event of events) {
      const side = sideOf(event.outcome);
      if (side === undefined) continue;
      let lanes = this.newest.get(event.rule);
      if (!lanes) {
        lanes = { refused: [], admitted: [] };
        this.newest.set(event.rule, lanes);
      }
      const newest = lanes[side];
      // On the decision path: no string building and no map lookup per window unless a bucket turns over.
      for (let w = 0; w < HEAVY_HITTER_WINDOWS.length; w++) {
        const window = HEAVY_HITTER_WINDOWS[w]!;
        const bucketStartMs = bucketStartOf(window, atMs);
        let bucket = newest[w];
        if (bucket === undefined || bucket.bucketStartMs !== bucketStartMs || bucket.dropped) {
          bucket = this.bucketFor(event.rule, window, bucketStartMs, side, atMs);
          newest[w] = bucket;
        }
        bucket.summary.offer(event.caller, 1, event.key);
        bucket.version++;
      }
    }
  }

  /** The summaries that changed since they were last published. */
  pending(): PublishBatch {
    const changed = [...this.buckets.values()].filter((b) => b.version > b.publishedVersion);
    const versions = changed.map((b) => b.version);
    return {
      summaries: changed.map((b) => ({ ...this.summaryOf(b), ttlSeconds: summaryTtlSeconds(b.window) })),
      done: (nowMs) => {
        changed.forEach((b, i) => {
          b.publishedVersion = Math.max(b.publishedVersion, versions[i]!);
        });
        // A closed bucket whose last state is in the store is read from there from now on.
        this.forget((b) => b.version === b.publishedVersion && (b.bucketStartMs + WINDOW_SPANS[b.window].bucketMs <= nowMs || !bucketIsLive(b.window, b.bucketStartMs, nowMs)));
      },
    };
  }

  /** This instance's summaries of a rule and window still held here (fresher than the store's copy). */
  live(rule: string, window: HeavyHitterWindow): BucketSummary[] {
    return [...this.buckets.values()].filter((b) => b.rule === rule && b.window === window).map((b) => this.summaryOf(b));
  }

  /** Summaries and counters held now (memory is about counters x the size of one). */
  footprint(): { summaries: number; counters: number } {
    let counters = 0;
    for (const bucket of this.buckets.values()) counters += bucket.summary.size;
    return { summaries: this.buckets.size, counters };
  }

  private summaryOf(b: Bucket): BucketSummary {
    return {
      rule: b.rule,
      window: b.window,
      bucketStartMs: b.bucketStartMs,
      instance: this.options.instanceId,
      side: b.side,
      total: b.summary.total,
      floor: b.summary.floor,
      counters: b.summary.counters(),
    };
  }

  private bucketFor(rule: string, window: HeavyHitterWindow, bucketStartMs: number, side: HeavyHitterSide, atMs: number): Bucket {
    const id = `${window} ${bucketStartMs} ${side} ${rule}`;
    let bucket = this.buckets.get(id);
    if (!bucket) {
      // A bucket opens at most once per bucket length per rule and side: the moment to let go of
      // the ones no report can use any more, whether or not they were published.
      this.forget((b) => !bucketIsLive(b.window, b.bucketStartMs, atMs));
      bucket = { rule, window, bucketStartMs, side, summary: new SpaceSaving(this.options.capacity), version: 0, publishedVersion: 0, dropped: false };
      this.buckets.set(id, bucket);
    }
    return bucket;
  }

  private forget(drop: (bucket: Bucket) => boolean): void {
    for (const [id, bucket] of this.buckets) {
      if (!drop(bucket)) continue;
      bucket.dropped = true;
      this.buckets.delete(id);
    }
    // A rule no longer decided on leaves no lane behind once its buckets are gone.
    for (const [rule, lanes] of this.newest) {
      if ([...lanes.refused, ...lanes.admitted].every((b) => b.dropped)) this.newest.delete(rule);
    }
  }
}
