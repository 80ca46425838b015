/**
 * The fast limiters' sync (engine/limiters/fast-limiter.ts): publish this instance's counts, read
 * the other instances'. syncFastCounts is the plain job; startFastCountSync runs it every
 * `intervalMs` (tens of ms).
 *
 * Not scheduled with node-cron like the other jobs (schedule-jobs.ts): cron's finest step is one
 * second, and the sync interval is the T of the fast mode's bound (limit + (N - 1) * r * (T + L)),
 * so a 1 s step would let every other instance's admissions of a whole per-second window go
 * unseen. Timers instead, aligned on multiples of the interval since the epoch: NTP-synced
 * instances then sync at the same moments, and since each publishes before it reads, what one
 * reads mostly includes the others' counts of the same tick (the bound's T + L case rather than
 * its 2 (T + L) worst case). A tick that comes while the previous sync still runs is skipped, so
 * syncs never overlap; a slow store stretches T, which the bound then pays for.
 */
import type { Clock } from '../clock.js';

/** What the job syncs: a FastLimiter, or anything with its sync(). */
export interface FastCountSyncer {
  /** Never throws: a failure is counted and told by the limiter's onSyncError. */
  sync(): Promise<void>;
}

/** One sync of every fast limiter, at once (they share the store's connection pool). */
export async function syncFastCounts(limiters: readonly FastCountSyncer[]): Promise<void> {
  await Promise.all(limiters.map((limiter) => limiter.sync()));
}

export interface FastCountSyncOptions {
  intervalMs: number;
  /** The clock the ticks are aligned on (the system clock in main.ts). */
  clock: Clock;
  /** Told if a sync throws anyway (a limiter that breaks its promise); the next tick still comes. */
  onError?: (error: unknown) => void;
}

export interface FastCountSync {
  /** No tick after this; resolves when the sync in flight (if any) has ended. */
  stop(): Promise<void>;
}

export function startFastCountSync(limiters: readonly FastCountSyncer[], options: FastCountSyncOptions): FastCountSync {
  if (!(options.intervalMs >= 1)) throw new RangeError(`intervalMs must be at least 1, got ${options.intervalMs}`);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;

  const schedule = () => {
    if (stopped) return;
    // The next multiple of the interval after now; never 0 ms, so a sync ending on a tick waits for the next.
    const delayMs = options.intervalMs - (options.clock() % options.intervalMs) || options.intervalMs;
    timer = setTimeout(tick, delayMs);
    // A pending sync must not keep the process alive at shutdown.
    timer.unref();
  };

  const tick = () => {
    inFlight = syncFastCounts(limiters)
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        inFlight = undefined;
        schedule();
      });
  };

  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
    },
  };
}
