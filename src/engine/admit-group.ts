/**
 * admitGroup(log, target, slot, members, ctx): group commit for one hot partition.
 *
 * Decisions queued on one partition (a flood from one phone number, one account's burst of call
 * setups) would each cost a compare-and-set in turn: 100 queued requests, 100 Paxos rounds, and
 * the last ones miss their deadline and fall back, which is where over-admission across
 * instances came from. Here they are decided together, in arrival order, on one read state, as
 * if they had run one after another: each admitted member adds its call before the next is
 * decided. The admitted calls are then written with ONE compare-and-set (appendMany). Nobody is
 * answered before it lands; if it does not (another instance appended), the state is read again
 * and the round decided again, so the result is exactly that of serial decisions.
 *
 * Only for requests whose one target is this partition (engine/throttle.ts); a request touching
 * several partitions needs admit()'s take-back on denial.
 */
import type { CallLog, LogState } from './call-log.js';
import { decide, readPlan, ttlSecondsFor, type Decision } from './decide.js';
import type { StateSlot, Target } from './admit.js';

/** Calls one compare-and-set may carry: keeps the batch under Cassandra's 5 KiB batch warning. */
export const MAX_GROUP_APPEND = 25;

export interface MemberDecision {
  decision: Decision;
  /** The calls (newest first) the decision was made on. */
  callsMs: readonly number[];
}

export interface GroupContext {
  signal: AbortSignal;
  /** Milliseconds left before the latest member's deadline. */
  remainingMs: () => number;
  /** Whether to try the partition as new before reading it, and to be told whether it was. */
  guessNew: boolean;
  onUnknown?: (wasNew: boolean) => void;
  /** Whether member j still waits for an answer (one that missed its deadline has left). */
  waiting: (j: number) => boolean;
  /** Calls this instance counts besides the store's (its fallback's, not written back yet). */
  extraCallsMs: () => readonly number[];
  /** Told just before an append of the calls of members `js`; what it returns is told the answer. */
  onSend: (js: readonly number[]) => (landed: LogState | undefined) => void;
  /** Member j's decision, as soon as the round it was in is settled (the group goes on). */
  onDecided: (j: number, result: MemberDecision) => void;
}

const NEW_PARTITION: LogState = Object.freeze({ version: 0, callsMs: Object.freeze([]) as unknown as number[] });

/** Decides every member still waiting, telling each through ctx.onDecided. */
export async function admitGroup(
  log: CallLog,
  target: Target,
  slot: StateSlot,
  membersNowMs: readonly number[],
  ctx: GroupContext,
): Promise<void> {
  const limits = target.rule.limits;
  const plan = readPlan(limits);
  const ttlSeconds = ttlSecondsFor(limits);
  const options = () => ({ timeoutMs: Math.max(1, ctx.remainingMs()) });
  let undecided = membersNowMs.map((_, j) => j);
  let guessed = false;
  if (!slot.state && ctx.guessNew) {
    slot.state = NEW_PARTITION;
    guessed = true;
  }

  while (undecided.length > 0) {
    if (!slot.state) {
      ctx.signal.throwIfAborted();
      const wasUnknown = !guessed;
      slot.state = await log.read(target.partition, Math.min(...membersNowMs) - plan.windowMs, plan.count, options());
      if (wasUnknown) ctx.onUnknown?.(slot.state.version === 0);
      guessed = false;
    }
    // From here to sending the append nothing awaits (see admit.ts: the claim and the count of
    // extra calls must be taken in the step that decides).
    const state = slot.state;
    undecided = undecided.filter((j) => ctx.waiting(j));
    let callsMs = merge(state.callsMs, ctx.extraCallsMs(), plan.count);
    const round: Array<{ j: number } & MemberDecision> = [];
    const admitted: number[] = [];
    for (const j of undecided) {
      if (admitted.length === MAX_GROUP_APPEND) break;
      const decision = decide(limits, callsMs, membersNowMs[j]!);
      round.push({ j, decision, callsMs });
      if (decision.allowed) {
        admitted.push(j);
        callsMs = merge(callsMs, [membersNowMs[j]!], plan.count);
      }
    }
    if (admitted.length > 0) {
      ctx.signal.throwIfAborted();
      const answered = ctx.onSend(admitted);
      const atMs = admitted.map((j) => membersNowMs[j]!);
      const result = await log.appendMany(target.partition, state.version, atMs, ttlSeconds, options());
      if (guessed) ctx.onUnknown?.(result.applied);
      guessed = false;
      slot.state = result.applied ? { version: state.version + 1, callsMs: merge(state.callsMs, atMs, plan.count) } : undefined;
      answered(slot.state);
      // Not landed: the state moved under us, and every decision of this round is void.
      if (!result.applied) continue;
    }
    for (const { j, decision, callsMs: seen } of round) ctx.onDecided(j, { decision, callsMs: seen });
    undecided = undecided.slice(round.length);
  }
}

/** Two newest-first lists as one, newest first, at most `count`. */
function merge(a: readonly number[], b: readonly number[], count: number): number[] {
  if (b.length === 0) return a.slice(0, count);
  return [...a, ...b].sort((x, y) => y - x).slice(0, count);
}
