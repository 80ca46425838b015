/**
 * admit(log, targets, now): one request against every partition it touches, exactly.
 *
 * Read each partition (unless its state is already known), decide, then append to every
 * partition with a compare-and-set on the version read. A partition nobody here knows is first
 * tried as if it were new (`IF seq = null`, no read): most callers of a signup or call-setup API
 * are new, and for them one lightweight transaction is the whole decision. A partition that moved meanwhile (another
 * instance appended) is read again and decided again. If any partition denies, calls already
 * appended for this request are taken back, so only admitted requests consume quota. Over-admission
 * is impossible: an append only lands on the exact state its decision was made on.
 */
import type { Rule } from '../rules/rule.js';
import type { CallLog, LogState, PartitionKey } from './call-log.js';
import { decide, readPlan, ttlSecondsFor, type Decision } from './decide.js';

export interface Target {
  rule: Rule;
  partition: PartitionKey;
  /**
   * The same caller under the previous key secret, during a rotation: its calls still count,
   * but nothing is written there, so reading it once per decision is enough (it only shrinks).
   */
  previous?: PartitionKey;
  /** What the request costs in this partition (bucket and shared rules: tokens); 1 when absent. */
  cost?: number;
  /** Shared rules: the member (device) inside the partition, as its partition key (an HMAC). */
  member?: string;
  /** Packet counters (limiters/packet-spec.ts): the classes a SIP message counts in and each tier's limits. */
  packets?: PacketCheckLimits;
}

/**
 * Kazoo's per-second and per-minute packet limits for one parent (an account, or the system) and
 * one member inside it (a device), counted in one state: one compare-and-set per SIP message.
 * Counts are indexed [class] for the second and [3 + class] for the minute; classes are
 * registrations (0), invites (1), total_packets (2).
 */
export interface PacketCheckLimits {
  /** The classes this message counts in (an invite: invites and total_packets). */
  classes: readonly number[];
  /** The parent tier's limits by index (undefined: not limited), and the rule each decision names. */
  parent?: { limits: ReadonlyArray<number | undefined>; rules: readonly Rule[] };
  /** The member tier's limits (the member is Target.member). */
  member?: { limits: ReadonlyArray<number | undefined>; rules: readonly Rule[] };
}

/** Where admit keeps the state it knows of a target's partition (seeded from the PartitionCache). */
export interface StateSlot {
  state: LogState | undefined;
}

/** The state of a partition that has never been written (or has expired whole). */
const NEW_PARTITION: LogState = Object.freeze({ version: 0, callsMs: Object.freeze([]) as unknown as number[] });

export interface TargetDecision {
  target: Target;
  decision: Decision;
  /** The calls (newest first) the decision was made on. */
  callsMs: readonly number[];
}

export interface Outcome {
  admitted: boolean;
  decisions: TargetDecision[];
}

export interface AdmitContext {
  nowMs: number;
  signal: AbortSignal;
  /** Milliseconds left before the decision deadline. */
  remainingMs: () => number;
  /** Whether to try unknown partitions as new before reading them (see createThrottle). */
  guessNew: boolean;
  /** Told, for each unknown partition, whether it turned out new. */
  onUnknown?: (wasNew: boolean) => void;
  /**
   * Calls this instance counts for target i besides the store's (newest first): what its local
   * fallback admitted and has not handed over yet, and appends of other decisions in flight.
   * Asked at the moment of deciding, in the same step as the append is sent.
   */
  extraCallsMs?: (i: number) => readonly number[];
  /**
   * Told just before an append to target i is sent; what it returns is told the answer: the
   * partition's new state if the append landed, undefined if not. Never told if no answer comes.
   */
  onSend?: (i: number) => (landed: LogState | undefined) => void;
}

export async function admit(log: CallLog, targets: readonly Target[], slots: readonly StateSlot[], ctx: AdmitContext): Promise<Outcome> {
  const decisions = new Map<number, { decision: Decision; callsMs: readonly number[] }>();
  const applied: Array<{ index: number; callId: string }> = [];
  let pending = targets.map((_, index) => index);
  const options = () => ({ timeoutMs: Math.max(1, ctx.remainingMs()) });

  // Guess "new" once per unknown partition; a partition under key rotation must be read (its
  // previous-secret calls count too).
  const unknown = new Set(slots.flatMap((slot, i) => (slot.state ? [] : [i])));
  const guessed = new Set<number>();
  if (ctx.guessNew) {
    for (const i of unknown) {
      if (targets[i]!.previous) continue;
      slots[i]!.state = NEW_PARTITION;
      guessed.add(i);
    }
  }

  while (pending.length > 0) {
    await Promise.all(
      pending.map(async (i) => {
        if (slots[i]!.state) return;
        ctx.signal.throwIfAborted();
        slots[i]!.state = await readState(log, targets[i]!, ctx.nowMs, options());
        if (unknown.delete(i) && !guessed.has(i)) ctx.onUnknown?.(slots[i]!.state.version === 0);
      }),
    );
    // From here to sending the appends nothing awaits: what this instance counts besides the
    // store cannot change between the decision and the claim its append registers (onSend).
    for (const i of pending) {
      const limits = targets[i]!.rule.limits;
      const callsMs = withExtra(slots[i]!.state!.callsMs, ctx.extraCallsMs?.(i), readPlan(limits).count);
      decisions.set(i, { decision: decide(limits, callsMs, ctx.nowMs), callsMs });
    }

    if (pending.some((i) => !decisions.get(i)!.decision.allowed)) {
      await Promise.all(
        applied.map(async ({ index, callId }) => {
          slots[index]!.state = undefined;
          await log.remove(targets[index]!.partition, callId, ttlSecondsFor(targets[index]!.rule.limits), options());
        }),
      );
      return { admitted: false, decisions: collect(targets, decisions) };
    }

    const results = await Promise.all(
      pending.map(async (i) => {
        ctx.signal.throwIfAborted();
        const state = slots[i]!.state!;
        const rule = targets[i]!.rule;
        const answered = ctx.onSend?.(i);
        const result = await log.append(targets[i]!.partition, state.version, ctx.nowMs, ttlSecondsFor(rule.limits), options());
        if (guessed.delete(i)) {
          unknown.delete(i);
          ctx.onUnknown?.(result.applied);
        }
        if (result.applied) {
          applied.push({ index: i, callId: result.callId });
          slots[i]!.state = { version: state.version + 1, callsMs: [ctx.nowMs, ...state.callsMs].slice(0, readPlan(rule.limits).count) };
        } else {
          slots[i]!.state = undefined;
        }
        answered?.(slots[i]!.state);
        return result.applied;
      }),
    );
    pending = pending.filter((_, n) => !results[n]);
  }
  return { admitted: true, decisions: collect(targets, decisions) };
}

/** The partition's state, with the calls of its previous-secret partition merged in. */
async function readState(log: CallLog, target: Target, nowMs: number, options: { timeoutMs: number }): Promise<LogState> {
  const plan = readPlan(target.rule.limits);
  const since = nowMs - plan.windowMs;
  if (!target.previous) return log.read(target.partition, since, plan.count, options);
  const [current, previous] = await Promise.all([
    log.read(target.partition, since, plan.count, options),
    log.read(target.previous, since, plan.count, options),
  ]);
  const callsMs = [...current.callsMs, ...previous.callsMs].sort((a, b) => b - a).slice(0, plan.count);
  return { version: current.version, callsMs };
}

/** The store's calls with this instance's extra ones merged in, newest first, at most `count`. */
function withExtra(callsMs: readonly number[], extra: readonly number[] | undefined, count: number): readonly number[] {
  if (!extra || extra.length === 0) return callsMs;
  return [...callsMs, ...extra].sort((a, b) => b - a).slice(0, count);
}

function collect(targets: readonly Target[], decisions: Map<number, { decision: Decision; callsMs: readonly number[] }>): TargetDecision[] {
  return targets.map((target, i) => ({ target, ...decisions.get(i)! }));
}
