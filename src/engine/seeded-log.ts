/**
 * The local fallback's view of a partition: its own calls plus those this instance last saw in
 * the shared store (the PartitionCache). Without the seed, a decision that misses its deadline
 * (a burst queued behind one hot key, a slow node) would start the limit again from zero on the
 * fallback and admit up to a whole extra limit; with it, the fallback continues from what is
 * known. Writes go to the local log only; jobs/write-back-fallback.ts hands them over later.
 */
import type { CallLog } from './call-log.js';
import type { PartitionCache } from './partition-cache.js';

export function seededWith(local: CallLog, cache: PartitionCache, nowMs: number): CallLog {
  return {
    async read(partition, sinceMs, limit, options) {
      const own = await local.read(partition, sinceMs, limit, options);
      const known = cache.get(partition, nowMs)?.callsMs.filter((ms) => ms > sinceMs) ?? [];
      if (known.length === 0) return own;
      const callsMs = [...own.callsMs, ...known].sort((a, b) => b - a).slice(0, limit);
      return { version: own.version, callsMs };
    },
    append: (...args) => local.append(...args),
    remove: (...args) => local.remove(...args),
    reset: (...args) => local.reset(...args),
  };
}
