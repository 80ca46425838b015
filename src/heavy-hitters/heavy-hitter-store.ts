/**
 * Where instances share their heavy-hitter summaries: each writes the summaries of its buckets
 * (per rule, window, bucket, side) every few seconds, overwriting its previous version, and a
 * report reads every instance's summaries of a window's buckets and merges them. Owned here, by
 * its consumer; store/memory and store/cassandra implement it.
 */
import type { HeavyHitterWindow } from './heavy-hitter-windows.js';
import type { Summary } from './merge-summaries.js';

/** Refused: the limit was reached (limited) or the key is on a deny list. Admitted: counted and let through. */
export type HeavyHitterSide = 'refused' | 'admitted';

/** One instance's summary of one side of one rule in one time bucket. */
export interface BucketSummary extends Summary {
  rule: string;
  window: HeavyHitterWindow;
  bucketStartMs: number;
  /** The instance that counted it (a fresh id per process). */
  instance: string;
  side: HeavyHitterSide;
}

/** A summary to write, with how long it must live. */
export interface PublishedSummary extends BucketSummary {
  ttlSeconds: number;
}

export interface HeavyHitterStore {
  /** Writes each summary, replacing what the same instance wrote for the same rule, window, bucket and side. */
  write(summaries: readonly PublishedSummary[]): Promise<void>;
  /** Every instance's unexpired summaries of a rule in these buckets of a window (both sides). */
  read(rule: string, window: HeavyHitterWindow, bucketStartsMs: readonly number[]): Promise<BucketSummary[]>;
}
