/**
 * Fast fixed-window counters (rules with consistency 'fast'; Kazoo's per_second / per_minute
 * packet limits asked per SIP message): every decision is made in memory on this instance, with
 * no await before it, so a denial or an admission costs no I/O. Instances share their counts
 * through a FastCountStore every sync interval (sync(), driven by jobs/sync-fast-counts.ts): each
 * publishes its own count per window and reads the sum of the others'. A request is admitted iff
 * for every window of its rule  local + othersKnown + cost <= count; all or nothing across targets.
 *
 * THE BOUND. N instances, each syncing every T ms, a sync taking at most L ms (its publish, then
 * its read: stats().lastSyncMs), each instance admitting at most r units per second. Let D be the
 * age, at worst, of what an instance knows of another's count. In one window, take the instance i whose last admission came last, at time s:
 * it admitted only while local_i + known_i + cost <= limit, so its final local_i <= limit - known_i(s);
 * the others admitted nothing after s, and what i did not know of another instance j at s is j's
 * admissions in (s - D, s], at most r * D. Hence
 *     total admitted in one window <= limit + (N - 1) * r * D,
 * and, since no instance ever passes the limit alone (local_i <= limit), never more than N * limit.
 * D, for a sync that publishes and then reads:
 *   - ticks aligned on the epoch on every instance (sync-fast-counts.ts aligns them; clocks are
 *     NTP-synced) and the others' publish of a tick landed before this tick's read: D <= T + L, so
 *     total <= limit + (N - 1) * r * (T + L)   (each instance misses at most the others'
 *     admissions of one sync interval plus a sync);
 *   - otherwise (ticks not aligned, a publish landing after the read, clock skew): D <= 2 * (T + L).
 *   - a new window, or a partition this instance first decides for mid-window, starts with
 *     others = 0 until the next sync: what it admits meanwhile is at most r * (T + L), inside the bound.
 * Kazoo's frontier counts on each node alone: N nodes admit up to N * limit, always. The fast mode
 * reaches N * limit only in a burst shorter than D (every instance fills the window before anyone
 * syncs); with paced traffic its excess is (N - 1) * r * D, e.g. T = 50 ms, L = 5 ms, r = 200/s:
 * 11 per other instance (test/unit/engine/fast-limiter.test.ts and
 * test/cassandra/fast-limiter-on-cassandra.test.ts measure it).
 * While syncs fail, decisions go on with the others' counts as last read (onSyncError is told each
 * time): D grows with the outage, up to the N * limit ceiling. A partition evicted to respect
 * maxPartitions forgets its local count: size maxPartitions above the partitions active per window
 * (stats().evictions shows whether it is); the least recently used order is kept to the second
 * (fast-window-table.ts).
 */
import type { Clock } from '../../clock.js';
import type { Target } from '../admit.js';
import { partitionId } from '../call-log.js';
import type { FastCount, FastCountStore } from '../fast-count-store.js';
import { decideFixedWindows, windowLimitDecisions, type FixedWindowDecision } from '../fixed-window.js';
import type { Limiter, LimitDecision, LimiterOutcome, LimiterRequest } from '../limiter.js';
import type { Via } from '../throttle.js';
import { FastWindowTable, type WindowCount } from './fast-window-table.js';

/**
 * How a fast decision is labelled. It is this rule's normal path (counts shared through the
 * store), not an onStoreError fallback, so not 'local' (metrics count that as a fallback).
 */
const FAST_VIA: Via = 'fast';

export interface FastLimiterOptions {
  store: FastCountStore;
  /** This instance's name in the store: unique per running process (e.g. host and pid). */
  instanceId: string;
  clock: Clock;
  /** T of the bound: how often the scheduler calls sync(). */
  syncIntervalMs: number;
  /** Partitions tracked at most (100_000 by default); least recently used first out. */
  maxPartitions?: number;
  /** Timeout of each store call of a sync (1 s by default). */
  syncTimeoutMs?: number;
  /** Told about every failed sync; decisions go on with what was last known. */
  onSyncError?: (error: unknown) => void;
  /** Told the duration (ms) of every sync and whether it succeeded (the metrics time L with it). */
  onSynced?: (ms: number, ok: boolean) => void;
}

export interface FastLimiterStats {
  /** Partitions and windows tracked now. */
  partitions: number;
  windows: number;
  /** Syncs that completed, and syncs that failed. */
  syncs: number;
  failures: number;
  /** Duration of the last sync (ms), failed or not: publish plus read, about 2 L. */
  lastSyncMs: number;
  /** Partitions pushed out by maxPartitions. */
  evictions: number;
}

export interface FastLimiter extends Limiter {
  readonly syncIntervalMs: number;
  /** Publishes this instance's changed counts, then reads the others' for the running windows. Never throws. */
  sync(): Promise<void>;
  stats(): FastLimiterStats;
}

/** One target as decided, before anything is recorded. */
interface Decided {
  target: Target;
  /** partitionId(target.partition), built once per decision. */
  pid: string;
  cost: number;
  decision: FixedWindowDecision;
}

/**
 * What the targets decided before, in the same request, would add to a window: one request
 * naming one window twice counts twice, while two limits of one rule with the same window length
 * count the same admissions once. A scan, not a map: a request has a handful of targets, and
 * this runs for every packet check.
 */
function takenBefore(decided: readonly Decided[], pid: string, windowMs: number): number {
  let sum = 0;
  for (const d of decided) if (d.pid === pid && d.target.rule.limits.some((l) => l.windowMs === windowMs)) sum += d.cost;
  return sum;
}

export function createFastLimiter(options: FastLimiterOptions): FastLimiter {
  const table = new FastWindowTable(options.maxPartitions ?? 100_000);
  const timeoutMs = options.syncTimeoutMs ?? 1_000;
  const counters = { syncs: 0, failures: 0, lastSyncMs: 0 };
  let running: Promise<void> | undefined;

  /** Decides every target on what this instance knows (no I/O, nothing recorded). */
  function decideAll(targets: readonly Target[], nowMs: number): Decided[] {
    const decided: Decided[] = [];
    for (const target of targets) {
      const cost = target.cost ?? 1;
      const limits = target.rule.limits;
      const pid = partitionId(target.partition);
      const counts = limits.map((limit) => {
        const w = table.peek(target.partition, limit.windowMs, nowMs, pid);
        return (w ? w.local + w.others : 0) + takenBefore(decided, pid, limit.windowMs);
      });
      decided.push({ target, pid, cost, decision: decideFixedWindows(limits, counts, cost, nowMs) });
    }
    return decided;
  }

  function refusal(decided: readonly Decided[], nowMs: number): LimiterOutcome {
    // A refused partition is a hot one: keep it (it is full) rather than a quiet one.
    for (const { target, pid } of decided) table.touch(target.partition, nowMs, pid);
    return { admitted: false, decisions: decisionsOf(decided, false), via: FAST_VIA };
  }

  function decisionsOf(decided: readonly Decided[], admitted: boolean): LimitDecision[] {
    return decided.flatMap(({ target, cost, decision }) => windowLimitDecisions(target.rule, target.partition.caller, decision, cost, admitted));
  }

  async function runSync(): Promise<void> {
    const startMs = options.clock();
    const syncsBefore = counters.syncs;
    const { running: live, ended } = table.sweep(startMs);
    const changed = [...live, ...ended].filter((w) => w.local !== w.published);
    // A literal, not a spread of w.key: these live until the publish lands, and the spread built a larger object.
    const snapshot: FastCount[] = changed.map(({ key, local }) => ({ partition: key.partition, windowMs: key.windowMs, windowStart: key.windowStart, count: local }));
    try {
      // Publish first: in a tick aligned with the other instances', what they read next then
      // includes this tick's counts (the T + L case of the bound).
      await options.store.publish(options.instanceId, snapshot, { timeoutMs });
      changed.forEach((w, i) => (w.published = snapshot[i]!.count));
      const others = await options.store.readOthers(options.instanceId, live.map((w) => w.key), { timeoutMs });
      // A window replaced or dropped meanwhile is no longer in the table: writing to it changes nothing.
      live.forEach((w, i) => (w.others = others[i]!));
      counters.syncs++;
    } catch (error) {
      // Nothing published is marked so: the next sync publishes it again (absolute values).
      counters.failures++;
      options.onSyncError?.(error);
    } finally {
      counters.lastSyncMs = options.clock() - startMs;
      options.onSynced?.(counters.lastSyncMs, counters.syncs > syncsBefore);
    }
  }

  // No await before the decision and its recording: they are one synchronous step, so no
  // other decision of this instance runs in between (this is the 10,000 decisions/s path).
  function takeNow({ targets, nowMs }: LimiterRequest): LimiterOutcome {
    const decided = decideAll(targets, nowMs);
    const admitted = decided.every((d) => d.decision.allowed);
    if (!admitted) return refusal(decided, nowMs);
    const decisions = decisionsOf(decided, admitted);
    const taken: Array<{ w: WindowCount; cost: number }> = [];
    for (const { target, pid, cost } of decided) {
      for (const windowMs of new Set(target.rule.limits.map((l) => l.windowMs))) {
        const w = table.current(target.partition, windowMs, nowMs, pid);
        w.local += cost;
        taken.push({ w, cost });
      }
    }
    return {
      admitted,
      decisions,
      via: FAST_VIA,
      // Gives back to the windows taken from, while they are still the ones counted (an ended
      // window has nothing left to give back). The next sync publishes the lower count.
      // At most once, however often it is called.
      undo: async () => {
        for (const { w, cost } of taken.splice(0)) if (table.holds(w)) w.local = Math.max(0, w.local - cost);
      },
    };
  }

  return {
    kind: 'window',
    syncIntervalMs: options.syncIntervalMs,

    async take(request): Promise<LimiterOutcome> {
      return takeNow(request);
    },

    takeNow,

    // take()'s own refusal, so that a refusal known here is answered as take() would answer it.
    blocked(targets, nowMs) {
      const decided = decideAll(targets, nowMs);
      return decided.every((d) => d.decision.allowed) ? undefined : refusal(decided, nowMs);
    },

    sync() {
      // One sync at a time: a slow one is not overtaken by the next tick (which would publish the
      // same counts again and race the reads).
      running ??= runSync().finally(() => {
        running = undefined;
      });
      return running;
    },

    stats() {
      return { partitions: table.partitionCount, windows: table.windowCount, evictions: table.evictions, ...counters };
    },
  };
}
