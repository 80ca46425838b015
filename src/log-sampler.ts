/**
 * A failure that repeats on every request during an outage (a store that does not answer) must
 * reach the log, but not once per request: logSampler lets one line through per interval and
 * counts the ones it held back, so the next line can say how many it stands for.
 */
import type { Clock } from './clock.js';

/** Returns the number suppressed since the last line when it is time for one, else undefined. */
export type LogSampler = () => number | undefined;

export function logSampler(clock: Clock, intervalMs = 10_000): LogSampler {
  let lastMs = -Infinity;
  let suppressed = 0;
  return () => {
    const now = clock();
    if (now - lastMs < intervalMs) {
      suppressed++;
      return undefined;
    }
    const count = suppressed;
    lastMs = now;
    suppressed = 0;
    return count;
  };
}
