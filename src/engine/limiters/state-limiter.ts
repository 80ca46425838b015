/**
 * createStateLimiter: the Limiter for every kind whose decision is a pure function of one small
 * state per partition (token buckets, shared buckets, exact counters). The kind brings a
 * StateSpec (its math, pure); this brings the rest once: the versioned StateStore with
 * compare-and-set (engine/limiters/state-admission.ts), all or nothing across targets, a
 * per-partition local queue (KeyedLock: one instance's requests on a hot partition wait for each
 * other instead of losing each other's compare-and-set), the decision deadline, and the
 * failure behaviour each rule asks for:
 *   deny          -> refused as unavailable (503);
 *   allow / local -> decided on what this instance knows (its cache of the partition's last
 *                    state, with its own admissions since), recorded there. For a state kind
 *                    'local' means exactly that: a partition this instance never saw starts
 *                    whole, so each instance admits at most one full quota while the store is
 *                    away. A later store decision starting from that cached state hands the local
 *                    admissions to the store if nobody else wrote meanwhile.
 * Refunds (a later limiter refused, undo) are decided at the time of the admission they give
 * back: specs must read a time older than their state's as "no time passed".
 */
import type { Target } from '../admit.js';
import { partitionId } from '../call-log.js';
import { KeyedLock, type Lease } from '../keyed-lock.js';
import type { LimitDecision, Limiter, LimiterOutcome } from '../limiter.js';
import { untilAborted } from '../partition-groups.js';
import type { StateStore } from '../state-store.js';
import { DeadlineExceeded } from '../throttle.js';
import { admitStates, refundStates, type StateRound } from './state-admission.js';
import { DEFAULT_STATE_CACHE_ENTRIES, StateCache } from './state-cache.js';
import type { StateSpec } from './state-spec.js';

export type { StateSpec } from './state-spec.js';

export interface StateLimiterOptions<S> {
  spec: StateSpec<S>;
  store: StateStore;
  /** Longest a decision may take against the store before the rule's onStoreError decides. */
  deadlineMs: number;
  /** Told about store failures / missed deadlines. */
  onStoreError?: (error: unknown) => void;
  /** Partitions whose last known state this instance keeps (least recently used go first); 10 000 by default. */
  cacheEntries?: number;
}

/** How recent a cached state must be for blocked() to deny from it without a round trip. */
const BLOCKED_FRESH_MS = 1_000;

/** Why a finished decision's signal is aborted: stops abandoned store work; shared, so no stack is captured per decision. */
const DECISION_FINISHED = Object.freeze(new Error('state decision finished'));

export function createStateLimiter<S>(options: StateLimiterOptions<S>): Limiter {
  const { spec, store, deadlineMs } = options;
  const lock = new KeyedLock();
  const cache = new StateCache(options.cacheEntries ?? DEFAULT_STATE_CACHE_ENTRIES);
  const report = (error: unknown) => options.onStoreError?.(error);

  /** Runs `work` under the partitions' local locks (taken in id order: no cycles) and a deadline of its own. */
  async function bounded<T>(targets: readonly Target[], nowMs: number, work: (round: StateRound<S>) => Promise<T>, abandoned: (inner: Promise<T>) => void): Promise<T> {
    const started = performance.now();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DeadlineExceeded(deadlineMs)), deadlineMs);
    const round: StateRound<S> = {
      spec,
      store,
      cache,
      nowMs,
      signal: controller.signal,
      options: () => ({ timeoutMs: Math.max(1, deadlineMs - (performance.now() - started)) }),
    };
    const inner = (async () => {
      const leases: Lease[] = [];
      try {
        const ids = [...new Set(targets.map((t) => partitionId(t.partition)))].sort();
        for (const id of ids) leases.push(await lock.acquire(id, controller.signal));
        return await work(round);
      } finally {
        for (const lease of leases) lease.release();
      }
    })();
    try {
      return await untilAborted(inner, controller.signal);
    } catch (error) {
      abandoned(inner);
      throw error;
    } finally {
      clearTimeout(timer);
      if (!controller.signal.aborted) controller.abort(DECISION_FINISHED);
    }
  }

  /** Gives back every target's admission in the store, with a deadline of its own; never throws. */
  async function giveBack(targets: readonly Target[], nowMs: number): Promise<void> {
    if (targets.length === 0) return;
    try {
      await bounded(targets, nowMs, (round) => refundStates(round, targets, false), () => {});
    } catch (error) {
      report(error);
    }
  }

  async function viaStore(targets: readonly Target[], nowMs: number): Promise<LimiterOutcome> {
    const landed = new Set<number>();
    const landedTargets = () => targets.filter((_, i) => landed.has(i));
    const result = await bounded(
      targets,
      nowMs,
      async (round) => {
        const outcome = await admitStates(round, targets, landed);
        if (!outcome.admitted && landed.size > 0) {
          await refundStates(round, landedTargets(), true);
          landed.clear();
        }
        return outcome;
      },
      // The fallback decides this request: whatever the abandoned work wrote (or writes before it
      // stops) is given back. A write whose answer never came is not known to have landed.
      (inner) => void inner.catch(() => undefined).then(() => giveBack(landedTargets(), nowMs)),
    );
    return { ...result, via: 'store', undo: result.admitted ? once(() => giveBack(targets, nowMs)) : undefined };
  }

  /** Decides on what this instance knows and records an admission in the same synchronous step. */
  function fallback(targets: readonly Target[], nowMs: number): LimiterOutcome {
    if (targets.some((t) => t.rule.onStoreError === 'deny')) return { admitted: false, unavailable: true, decisions: [], via: 'deny' };
    const taken = targets.map((t) => spec.take(spec.decode(cache.get(t.partition, nowMs)?.text, t, nowMs), t, nowMs));
    const decisions = taken.map((t) => t.decision);
    const admitted = decisions.every((d) => d.allowed);
    if (!admitted) return { admitted, decisions, via: 'local' };
    targets.forEach((t, i) => cache.changedLocally(t.partition, spec.encode(taken[i]!.next), nowMs, spec.ttlSeconds(t)));
    const undo = once(async () => {
      for (const t of targets) {
        const state = spec.refund(spec.decode(cache.get(t.partition, nowMs)?.text, t, nowMs), t, nowMs);
        cache.changedLocally(t.partition, spec.encode(state), nowMs, spec.ttlSeconds(t));
      }
    });
    return { admitted, decisions, via: 'local', undo };
  }

  /** A denial from a state this instance read or wrote less than BLOCKED_FRESH_MS ago; counts nothing. */
  function blocked(targets: readonly Target[], nowMs: number): LimiterOutcome | undefined {
    const decisions: LimitDecision[] = [];
    for (const target of targets) {
      const known = cache.get(target.partition, nowMs);
      if (!known || nowMs - known.seenMs >= BLOCKED_FRESH_MS) continue;
      const { decision } = spec.take(spec.decode(known.text, target, nowMs), target, nowMs);
      if (!decision.allowed) decisions.push(decision);
    }
    return decisions.length > 0 ? { admitted: false, decisions, via: 'cache' } : undefined;
  }

  return {
    kind: spec.kind,
    blocked,
    async take({ targets, nowMs }) {
      if (targets.length === 0) return { admitted: true, decisions: [], via: 'store' };
      // A flood on an empty bucket is refused from what this instance saw within the last second:
      // at most one read a second per partition, never an admission the store has not decided.
      const known = blocked(targets, nowMs);
      if (known) return known;
      try {
        return await viaStore(targets, nowMs);
      } catch (error) {
        report(error);
        return fallback(targets, nowMs);
      }
    },
  };
}

/** `fn` runs at most once, however often the result is called. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
