/**
 * The compare-and-set loops of the state limiter (engine/limiters/state-limiter.ts), for one
 * request's targets: take (admitStates) and give back (refundStates). The caller holds the
 * partitions' local locks and the deadline; these only read, decide and write.
 *
 * Exact across instances: a state is written only at the version it was decided on, so an
 * admission lands only on the exact state its decision saw; a lost write is read and decided
 * again. A denial stands only on a state read from the store in this decision (a cached one may
 * miss a give-back by another instance), and costs no write.
 */
import type { Target } from '../admit.js';
import type { StoreCallOptions } from '../call-log.js';
import type { LimitDecision } from '../limiter.js';
import type { StateStore } from '../state-store.js';
import type { StateCache } from './state-cache.js';
import type { StateSpec } from './state-spec.js';

/**
 * Rounds a decision may take before giving up: each lost write is another writer's landed one,
 * so this only bounds a pathological store (the deadline bounds the rest); it also keeps a store
 * answering without yielding to timers from looping past the deadline.
 */
const MAX_ROUNDS = 100;

/** What one decision works with. */
export interface StateRound<S> {
  spec: StateSpec<S>;
  store: StateStore;
  cache: StateCache;
  /** The decision's time: every take, refund and cache entry uses it. */
  nowMs: number;
  signal: AbortSignal;
  /** Options for the next store call (the time left before the deadline). */
  options(): StoreCallOptions;
}

/** A partition's state as this decision knows it. */
interface Known {
  version: number;
  text: string | undefined;
  /** Read from the store in this decision (a denial on it stands). */
  fresh: boolean;
}

/**
 * Decides every target and writes the admitted states, all or none: on a denial it answers
 * without writing what is left, and `landed` holds the indexes written so far (the caller gives
 * them back). Decisions in target order.
 */
export async function admitStates<S>(round: StateRound<S>, targets: readonly Target[], landed: Set<number>): Promise<{ admitted: boolean; decisions: LimitDecision[] }> {
  const { spec, store, cache, nowMs } = round;
  const known: Array<Known | undefined> = targets.map((t) => {
    const cached = cache.forWrite(t.partition, nowMs);
    return cached && { version: cached.version, text: cached.text, fresh: false };
  });
  const decisions: LimitDecision[] = [];
  let pending = targets.map((_, i) => i);
  for (let n = 0; pending.length > 0; n++) {
    if (n >= MAX_ROUNDS) throw new Error(`${spec.kind} decision kept losing its compare-and-set (${MAX_ROUNDS} rounds)`);
    await Promise.all(pending.filter((i) => !known[i]).map(async (i) => (known[i] = await readKnown(round, targets[i]!))));
    const next = new Map<number, S>();
    for (const i of pending) {
      const taken = spec.take(spec.decode(known[i]!.text, targets[i]!, nowMs), targets[i]!, nowMs);
      decisions[i] = taken.decision;
      next.set(i, taken.next);
    }
    const denied = pending.filter((i) => !decisions[i]!.allowed);
    if (denied.length > 0) {
      const unconfirmed = denied.filter((i) => !known[i]!.fresh);
      if (unconfirmed.length === 0) return { admitted: false, decisions };
      for (const i of unconfirmed) known[i] = undefined;
      continue;
    }
    // Settled, not all: a failed write must not end this decision while another may still land
    // unseen (the caller gives back what `landed` holds once this ends).
    const written = await allSettled(
      pending.map(async (i) => {
        round.signal.throwIfAborted();
        const target = targets[i]!;
        const text = spec.encode(next.get(i)!);
        const ttlSeconds = spec.ttlSeconds(target);
        if (!(await store.write(target.partition, known[i]!.version, text, ttlSeconds, round.options()))) {
          known[i] = undefined;
          return false;
        }
        landed.add(i);
        cache.wrote(target.partition, known[i]!.version + 1, text, nowMs, ttlSeconds);
        return true;
      }),
    );
    pending = pending.filter((_, k) => !written[k]);
  }
  return { admitted: true, decisions };
}

/**
 * Gives each target's admission back (spec.refund), each with its own compare-and-set loop.
 * `fromCache`: start from this instance's last write (right after the admission, under its
 * locks); otherwise read first. A partition found new (its row expired) has nothing to give back.
 */
export async function refundStates<S>(round: StateRound<S>, targets: readonly Target[], fromCache: boolean): Promise<void> {
  await Promise.all(targets.map((target) => refundOne(round, target, fromCache)));
}

async function refundOne<S>(round: StateRound<S>, target: Target, fromCache: boolean): Promise<void> {
  const { spec, store, cache, nowMs } = round;
  let cached = fromCache ? cache.forWrite(target.partition, nowMs) : undefined;
  for (let n = 0; n < MAX_ROUNDS; n++) {
    const known = cached ?? (await readKnown(round, target));
    cached = undefined;
    if (known.version === 0) return;
    round.signal.throwIfAborted();
    const text = spec.encode(spec.refund(spec.decode(known.text, target, nowMs), target, nowMs));
    const ttlSeconds = spec.ttlSeconds(target);
    if (await store.write(target.partition, known.version, text, ttlSeconds, round.options())) {
      cache.wrote(target.partition, known.version + 1, text, nowMs, ttlSeconds);
      return;
    }
  }
  throw new Error(`giving back a ${spec.kind} admission in ${target.partition.api} kept losing its compare-and-set`);
}

/** Every promise's value, once all have settled; the first failure if any failed. */
async function allSettled<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

async function readKnown<S>(round: StateRound<S>, target: Target): Promise<Known> {
  round.signal.throwIfAborted();
  const { version, state } = await round.store.read(target.partition, round.options());
  round.cache.read(target.partition, version, state, round.nowMs, round.spec.ttlSeconds(target));
  return { version, text: state, fresh: true };
}
