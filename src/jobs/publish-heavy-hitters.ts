/**
 * Every few seconds (TOP_K_PUBLISH_INTERVAL_SECONDS): write this instance's heavy-hitter
 * summaries that changed since the last run, so every instance's GET /v1/admin/top merges them.
 * A failed write marks nothing published: the next run writes the same summaries again, newer.
 */
import type { Clock } from '../clock.js';
import type { HeavyHitterStore } from '../heavy-hitters/heavy-hitter-store.js';
import type { HeavyHitterTracker } from '../heavy-hitters/heavy-hitter-tracker.js';

/** Returns how many summaries were written. */
export async function publishHeavyHitters(tracker: HeavyHitterTracker, store: HeavyHitterStore, clock: Clock): Promise<number> {
  const batch = tracker.pending();
  if (batch.summaries.length > 0) await store.write(batch.summaries);
  batch.done(clock());
  return batch.summaries.length;
}
