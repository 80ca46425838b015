/** Every second: drop what this instance caches for partitions an operator reset anywhere. */
import type { ResetFeed } from '../engine/reset-feed.js';
import type { Throttle } from '../engine/throttle.js';
import type { Clock } from '../clock.js';

export async function pollResets(feed: ResetFeed, throttle: Throttle, clock: Clock): Promise<void> {
  for (const partition of await feed.poll(clock())) throttle.forget(partition);
}
