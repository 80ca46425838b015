/**
 * createThrottle: the decision for one request, bounded in time, with the failure behaviour each
 * rule asks for. The store path is admit() behind per-partition local queues; if the store fails
 * or the deadline passes, each rule's onStoreError decides:
 *   deny  -> refuse the request (503 THROTTLE_UNAVAILABLE),
 *   allow -> let it through uncounted,
 *   local -> the same algorithm on this instance's in-memory log, so a paid action never fails
 *            open without bound while Cassandra is away.
 */
import type { Clock } from '../clock.js';
import { partitionId, type CallLog, type PartitionKey } from './call-log.js';
import { admit, type StateSlot, type Target, type TargetDecision } from './admit.js';
import { decide } from './decide.js';
import { KeyedLock, type Lease } from './keyed-lock.js';
import { PartitionCache } from './partition-cache.js';
import { seededWith } from './seeded-log.js';

/** Which path decided: the shared store, this instance's partition cache (a denial), or the onStoreError fallback named. */
export type Via = 'store' | 'cache' | 'local' | 'allow' | 'deny';

export interface Verdict {
  admitted: boolean;
  decisions: TargetDecision[];
  via: Via;
}

export interface ThrottleOptions {
  store: CallLog;
  /** This instance's in-memory log for onStoreError "local". */
  local: CallLog;
  clock: Clock;
  /** Longest a decision may take against the store before the fallback decides. */
  deadlineMs: number;
  /** Told about every store failure or missed deadline (for logs and health). */
  onStoreError?: (error: unknown, targets: readonly Target[]) => void;
  /** The last known state of partitions (a fresh PartitionCache by default). */
  cache?: PartitionCache;
}

export interface Throttle {
  check(targets: readonly Target[]): Promise<Verdict>;
  /** Drops what this instance remembers of a partition (an operator reset it). */
  forget(partition: PartitionKey): void;
}

export class DeadlineExceeded extends Error {
  constructor(deadlineMs: number) {
    super(`throttle decision exceeded its ${deadlineMs} ms deadline`);
    this.name = 'DeadlineExceeded';
  }
}

/** Why a finished decision's signal is aborted: stops abandoned store work; shared, so no stack is captured per decision. */
const DECISION_FINISHED = Object.freeze(new Error('throttle decision finished'));

export function createThrottle(options: ThrottleOptions): Throttle {
  const lock = new KeyedLock();
  const cache = options.cache ?? new PartitionCache();
  const never = new AbortController().signal;
  // How often a partition this instance did not know turned out to be new (EWMA). While most are,
  // an unknown partition is tried as new straight away (one compare-and-set); when most are not
  // (returning callers, a restarted instance), reading first saves a failed Paxos round.
  let newShare = 1;
  const onUnknown = (wasNew: boolean) => {
    newShare = newShare * 0.95 + (wasNew ? 0.05 : 0);
  };

  async function viaStore(targets: readonly Target[], nowMs: number): Promise<Verdict> {
    const started = performance.now();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DeadlineExceeded(options.deadlineMs)), options.deadlineMs);
    const leases: Lease[] = [];
    try {
      // Sorted, so two requests touching the same partitions never wait on each other in a cycle.
      const order = targets.map((t, i) => ({ i, id: partitionId(t.partition) })).sort((a, b) => (a.id < b.id ? -1 : 1));
      for (const { i, id } of order) leases[i] = await lock.acquire(id, controller.signal);
      // Read after the locks: the decision before us in the queue may just have updated it.
      const slots: StateSlot[] = targets.map((t) => ({ state: cache.get(t.partition, nowMs) }));
      const outcome = await untilAborted(
        admit(options.store, targets, slots, {
          nowMs,
          signal: controller.signal,
          remainingMs: () => options.deadlineMs - (performance.now() - started),
          guessNew: newShare >= 0.5,
          onUnknown,
        }),
        controller.signal,
      );
      targets.forEach((t, i) => {
        const state = slots[i]!.state;
        if (state) cache.set(t.rule, t.partition, state);
        else cache.forget(t.partition);
      });
      return { ...outcome, via: 'store' };
    } finally {
      clearTimeout(timer);
      if (!controller.signal.aborted) controller.abort(DECISION_FINISHED);
      for (const lease of leases) lease?.release();
    }
  }

  async function fallback(targets: readonly Target[], nowMs: number): Promise<Verdict> {
    if (targets.some((t) => t.rule.onStoreError === 'deny')) return { admitted: false, decisions: [], via: 'deny' };
    const local = targets.filter((t) => t.rule.onStoreError === 'local');
    if (local.length === 0) return { admitted: true, decisions: [], via: 'allow' };
    const outcome = await admit(seededWith(options.local, cache, nowMs), local, local.map(() => ({ state: undefined })), {
      nowMs,
      signal: never,
      remainingMs: () => options.deadlineMs,
      guessNew: false,
    });
    return { ...outcome, via: 'local' };
  }

  /** Denials this instance can give from calls it already saw fill a window. */
  function viaCache(targets: readonly Target[], nowMs: number): Verdict | undefined {
    const decisions: TargetDecision[] = [];
    for (const target of targets) {
      const state = cache.get(target.partition, nowMs);
      if (!state) continue;
      const decision = decide(target.rule.limits, state.callsMs, nowMs);
      if (!decision.allowed) decisions.push({ target, decision, callsMs: state.callsMs });
    }
    return decisions.length > 0 ? { admitted: false, decisions, via: 'cache' } : undefined;
  }

  return {
    async check(targets) {
      if (targets.length === 0) return { admitted: true, decisions: [], via: 'store' };
      const nowMs = options.clock();
      const cached = viaCache(targets, nowMs);
      if (cached) return cached;
      try {
        return await viaStore(targets, nowMs);
      } catch (error) {
        options.onStoreError?.(error, targets);
        return fallback(targets, nowMs);
      }
    },
    forget(partition) {
      cache.forget(partition);
    },
  };
}

/** Settles with the promise, or rejects as soon as the signal aborts (the work is abandoned). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
