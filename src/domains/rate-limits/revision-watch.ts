/**
 * How the rate-limit document cache (rate-limits.ts) knows when to read its documents again:
 * through the repository's revision, which every document write moves. Kept apart from the cache
 * itself so that the timing rules (fresh, stale, unconfirmed) read in one place.
 */
import type { RateLimitRepository } from './rate-limit-repository.js';

/** What the watch needs of a cached read: when it began, and the generation it began in. */
export interface CachedRead {
  atMs: number;
  generation: number;
}

/**
 * The repository's revision as this cache knows it: `generation` counts the moves seen (the first
 * read counts as one: a write may have come before it), `check` starts one background read at
 * most every cacheMs, and `freshUntil` and `staleUntil` say how long an entry is trusted and how
 * long it may still be served while it is read again.
 */
export function revisionWatch(repository: RateLimitRepository, times: { cacheMs: number; staleMs: number; maxAgeMs: number }) {
  const { cacheMs, staleMs, maxAgeMs } = times;
  let known: string | undefined;
  let generation = 0;
  /** When the last move was seen, and when the last read that found the revision unmoved began. */
  let movedAtMs = -Infinity;
  let confirmedAtMs = -Infinity;
  let nextCheckMs = -Infinity;
  let checking = false;
  const freshUntil = (entry: CachedRead) => {
    const own = entry.atMs + cacheMs;
    // An entry read before the last move seen has only its own cacheMs (as without revisions).
    if (entry.generation !== generation) return own;
    // A write after the entry's read moves the revision and the next check sees it: until then
    // (a check every cacheMs, the next one allowed to be late by as much) the entry holds.
    return Math.max(own, Math.min(confirmedAtMs + 2 * cacheMs, entry.atMs + maxAgeMs));
  };
  return {
    get generation() {
      return generation;
    },
    check(now: number): void {
      if (checking || now < nextCheckMs) return;
      checking = true;
      nextCheckMs = now + cacheMs;
      repository.revision().then(
        (value) => {
          checking = false;
          if (value === known) {
            confirmedAtMs = now;
          } else {
            known = value;
            generation++;
            movedAtMs = now;
          }
        },
        // Unconfirmed: entries fall back to their own cacheMs of freshness.
        () => (checking = false),
      );
    },
    freshUntil,
    /** Served stale (while refreshed) for staleMs past its freshness, or past the move that ended it. */
    staleUntil: (entry: CachedRead) => Math.max(freshUntil(entry), entry.generation !== generation ? movedAtMs : -Infinity) + staleMs,
  };
}
