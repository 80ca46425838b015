/**
 * createThrottle: the decision for one request, bounded in time, with the failure behaviour each
 * rule asks for. The store path is admit() behind per-partition local queues, or, for a request
 * on one partition, a group of the requests queued there decided with one compare-and-set
 * (engine/partition-groups.ts: a hot key's burst then ends well within the deadline); if the store fails
 * or the deadline passes, each rule's onStoreError decides:
 *   deny  -> refuse the request (503 THROTTLE_UNAVAILABLE),
 *   allow -> let it through uncounted,
 *   local -> the same limits on what this instance knows, so a paid action never fails open
 *            without bound while Cassandra is away.
 *
 * Exact on one instance through a fallback: the fallback decides from the calls Cassandra last
 * confirmed (PartitionCache), its own admissions (the local log) and every append in flight
 * (UnsettledAppends), and records its admission in the same synchronous step; a store decision
 * counts the fallback's admissions not yet written back, in the step that sends its append. So a
 * decision that misses its deadline is admitted neither beside an append that then lands nor
 * beside a store decision that ran meanwhile.
 */
import type { Clock } from '../clock.js';
import type { Limit } from '../rules/rule.js';
import { partitionId, type CallLog, type LocalCallLog, type LogState, type PartitionKey } from './call-log.js';
import { admit, type StateSlot, type Target, type TargetDecision } from './admit.js';
import { decide, readPlan, ttlSecondsFor } from './decide.js';
import { KeyedLock, type Lease } from './keyed-lock.js';
import { PartitionCache } from './partition-cache.js';
import { PartitionGroups, untilAborted, type GroupMember } from './partition-groups.js';
import { UnsettledAppends } from './unsettled-appends.js';

/**
 * Which path decided: the shared store, what this instance already knows (a denial: 'cache'), the
 * onStoreError fallback named, or the fast mode (in memory, shared through the store at an interval).
 */
export type Via = 'store' | 'cache' | 'fast' | 'local' | 'allow' | 'deny';

export interface Verdict {
  admitted: boolean;
  decisions: TargetDecision[];
  via: Via;
}

export interface ThrottleOptions {
  store: CallLog;
  /** This instance's in-memory log for onStoreError "local": its calls are admissions not yet written back. */
  local: LocalCallLog;
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
  /**
   * The denial this instance can give from what it already knows, without a store round trip and
   * without counting anything; undefined when it knows of none (the request may still be denied
   * by check). Lets a guard refuse a caller that is already over a limit before doing work, e.g.
   * checking a token for an address already over its failed-authentication limit.
   */
  blocked(targets: readonly Target[]): Verdict | undefined;
  /** Drops what this instance remembers of a partition, its fallback's calls included (an operator reset it). */
  forget(partition: PartitionKey): void;
}

export class DeadlineExceeded extends Error {
  constructor(deadlineMs: number) {
    super(`throttle decision exceeded its ${deadlineMs} ms deadline`);
    this.name = 'DeadlineExceeded';
  }
}

/** One decision: the identity its appends are claimed under, and what the fallback recorded for it. */
interface Owner {
  /** Local calls the fallback admitted this decision with, by partition id. */
  localCalls?: Map<string, string>;
}

/** readPlan of a rule's limits, worked out once per rule set: it runs for every refusal told from the cache. */
const readPlans = new WeakMap<readonly Limit[], { windowMs: number; count: number }>();
const planOf = (limits: readonly Limit[]) => readPlans.get(limits) ?? readPlans.set(limits, readPlan(limits)).get(limits)!;

/** Why a finished decision's signal is aborted: stops abandoned store work; shared, so no stack is captured per decision. */
const DECISION_FINISHED = Object.freeze(new Error('throttle decision finished'));

export function createThrottle(options: ThrottleOptions): Throttle {
  const lock = new KeyedLock();
  const cache = options.cache ?? new PartitionCache();
  const unsettled = new UnsettledAppends();
  // How often a partition this instance did not know turned out to be new (EWMA). While most are,
  // an unknown partition is tried as new straight away (one compare-and-set); when most are not
  // (returning callers, a restarted instance), reading first saves a failed Paxos round.
  let newShare = 1;
  const onUnknown = (wasNew: boolean) => {
    newShare = newShare * 0.95 + (wasNew ? 0.05 : 0);
  };

  /**
   * What this instance counts for a partition besides the store: its fallback's admissions not
   * yet written back. (Others' appends in flight need no counting here: the compare-and-set
   * already fails if one of them lands first.)
   */
  function localCallsMs(target: Target, nowMs: number): readonly number[] {
    const { windowMs, count } = planOf(target.rule.limits);
    return options.local.readNow(target.partition, nowMs - windowMs, count).callsMs;
  }

  /** Claims the appends of `members` (decisions) before they are sent; the answer settles them and tells the cache. */
  function claim(target: Target, members: readonly GroupMember[]) {
    const [sent] = members.map(({ owner, nowMs }) => unsettled.add(target.rule, target.partition, owner, nowMs));
    return (landed: LogState | undefined) => {
      if (landed) unsettled.settleSentBefore(target.partition, sent!);
      for (const { owner } of members) unsettled.drop(target.partition, owner);
      if (!landed) return;
      const known = cache.get(target.partition, members[0]!.nowMs);
      if (!known || known.version < landed.version) cache.set(target.rule, target.partition, landed);
      // Admitted by the fallback after its deadline, and the append it had sent landed after
      // all: the store counts it now, so the local copy goes (written back, it would count twice).
      for (const { owner } of members) {
        const localCall = (owner as Owner).localCalls?.get(partitionId(target.partition));
        if (localCall !== undefined) options.local.removeNow(target.partition, localCall);
      }
    };
  }

  const groups = new PartitionGroups({
    store: options.store,
    lock,
    cache,
    deadlineMs: options.deadlineMs,
    deadlineError: () => new DeadlineExceeded(options.deadlineMs),
    guessNew: () => newShare >= 0.5,
    onUnknown,
    localCallsMs,
    claim,
  });

  /** A request on one partition joins that partition's group (one compare-and-set for many). */
  async function viaGroup(targets: readonly Target[], nowMs: number, owner: Owner): Promise<Verdict> {
    const target = targets[0]!;
    const grouped = groups.decide(target, { nowMs, owner });
    if (!grouped) return viaStore(targets, nowMs, owner);
    const { decision, callsMs } = await grouped;
    return { admitted: decision.allowed, decisions: [{ target, decision, callsMs }], via: 'store' };
  }

  async function viaStore(targets: readonly Target[], nowMs: number, owner: Owner): Promise<Verdict> {
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
          extraCallsMs: (i) => localCallsMs(targets[i]!, nowMs),
          onSend: (i) => claim(targets[i]!, [{ nowMs, owner }]),
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

  /** Decides and records in one synchronous step, so concurrent fallbacks and store decisions see each other. */
  function fallback(targets: readonly Target[], nowMs: number, owner: Owner): Verdict {
    if (targets.some((t) => t.rule.onStoreError === 'deny')) return { admitted: false, decisions: [], via: 'deny' };
    const local = targets.filter((t) => t.rule.onStoreError === 'local');
    if (local.length === 0) return { admitted: true, decisions: [], via: 'allow' };
    const decisions = local.map((target) => {
      const callsMs = knownCallsMs(target, nowMs, owner);
      return { target, decision: decide(target.rule.limits, callsMs, nowMs), callsMs };
    });
    const admitted = decisions.every((d) => d.decision.allowed);
    if (admitted) {
      owner.localCalls = new Map();
      for (const { rule, partition } of local) {
        owner.localCalls.set(partitionId(partition), options.local.appendNow(partition, nowMs, ttlSecondsFor(rule.limits)));
        // This decision's own append, if one is in flight, is now counted by its local call.
        unsettled.drop(partition, owner);
      }
    }
    return { admitted, decisions, via: 'local' };
  }

  /**
   * Everything this instance knows of a target's calls: confirmed by the store (the cache), its
   * own fallback's, and appends in flight but this decision's own (which the fallback's answer
   * replaces). Under key rotation, the previous secret's partition counts too.
   */
  function knownCallsMs(target: Target, nowMs: number, owner: Owner): number[] {
    const { windowMs, count } = planOf(target.rule.limits);
    const sinceMs = nowMs - windowMs;
    const callsMs = [...unsettled.callsMs(target.partition, nowMs, owner)];
    for (const partition of target.previous ? [target.partition, target.previous] : [target.partition]) {
      callsMs.push(...(cache.get(partition, nowMs)?.callsMs ?? []), ...options.local.readNow(partition, sinceMs, count).callsMs);
    }
    return callsMs.filter((ms) => ms > sinceMs).sort((a, b) => b - a).slice(0, count);
  }

  /** Denials this instance can give from calls it already knows fill a window: confirmed by the store, or admitted by its fallback. */
  function viaCache(targets: readonly Target[], nowMs: number): Verdict | undefined {
    const decisions: TargetDecision[] = [];
    for (const target of targets) {
      const known = cache.get(target.partition, nowMs)?.callsMs ?? [];
      const local = localCallsMs(target, nowMs);
      if (known.length === 0 && local.length === 0) continue;
      const callsMs = local.length === 0 ? known : [...known, ...local].sort((a, b) => b - a);
      const decision = decide(target.rule.limits, callsMs, nowMs);
      if (!decision.allowed) decisions.push({ target, decision, callsMs });
    }
    return decisions.length > 0 ? { admitted: false, decisions, via: 'cache' } : undefined;
  }

  return {
    async check(targets) {
      if (targets.length === 0) return { admitted: true, decisions: [], via: 'store' };
      const nowMs = options.clock();
      const cached = viaCache(targets, nowMs);
      if (cached) return cached;
      const owner: Owner = {};
      try {
        // Key rotation needs admit()'s read of two partitions; several targets need its take-back.
        const single = targets.length === 1 && !targets[0]!.previous;
        return await (single ? viaGroup(targets, nowMs, owner) : viaStore(targets, nowMs, owner));
      } catch (error) {
        options.onStoreError?.(error, targets);
        return fallback(targets, nowMs, owner);
      }
    },
    blocked(targets) {
      return targets.length === 0 ? undefined : viaCache(targets, options.clock());
    },
    forget(partition) {
      cache.forget(partition);
      // The reset also covers what the fallback admitted here before it: nothing to write back.
      void options.local.reset(partition, options.clock(), 0, { timeoutMs: options.deadlineMs });
    },
  };
}
