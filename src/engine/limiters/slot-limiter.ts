/**
 * Concurrent limits ({"kind": "concurrent", "max", "lease"}) as a Limiter: a slot in every
 * partition the request's concurrent rules name, taken under one lease (the sid of the resource
 * the request creates), all or nothing. The slots are held past the request (`holds`): the domain
 * gives them back when the call ends or the participant leaves, or they expire with their lease.
 *
 * A refusal costs one quorum read, never a Paxos round; the partition is then known full on this
 * instance for SLOT_REFUSAL_MEMORY_MS (known-full.ts), so a flood on a full account costs no read at
 * all, and a slot this instance gives back there forgets it. A slot freed on another instance is seen
 * here within that memory and one store round trip (the probe, known-full.ts), shorter than the
 * Retry-After a refusal answers.
 *
 * While the store fails, a rule's onStoreError decides: "deny" refuses (503); otherwise the request
 * goes on without a slot, since no instance can count "at once" for the others on its own (unlike a
 * window, which the local fallback keeps).
 */
import type { Target } from '../admit.js';
import type { Limiter, LimitDecision, LimiterOutcome } from '../limiter.js';
import type { SlotStore } from '../slot-store.js';
import type { KnownFull } from './known-full.js';

export interface SlotLimiterOptions {
  store: SlotStore;
  /** Partitions found full, shared with whoever releases slots on this instance (it forgets those it gave back in). */
  full: KnownFull;
  /** How long acquiring or releasing may take. */
  timeoutMs: number;
  onStoreError?: (error: unknown) => void;
}

/** A slot frees when a call ends or a participant leaves: a client may try again soon. */
export const SLOT_RETRY_AFTER_MS = 1_000;

export function createSlotLimiter(options: SlotLimiterOptions): Limiter {
  const { store, timeoutMs, full } = options;
  // A peek: it claims no probe (known-full.ts); take() claims a partition's probe only when it is about to ask the store.
  const blocked = (targets: readonly Target[], nowMs: number): LimiterOutcome | undefined => {
    for (const target of targets) {
      const held = full.held(target.partition, nowMs);
      if (held !== undefined) return { admitted: false, decisions: [slotDecision(target, target.rule.concurrent!.max, false, held)], via: 'cache' };
    }
    return undefined;
  };
  return {
    kind: 'concurrent',
    blocked,
    async take({ targets, nowMs, leaseId }): Promise<LimiterOutcome> {
      // A partition found full within the memory is refused again without a round trip.
      const known = blocked(targets, nowMs);
      if (known) return known;
      const release = releaser(store, leaseId, timeoutMs, full, options.onStoreError);
      const decisions: LimitDecision[] = [];
      // Only what this request took goes back: a refusal that took nothing costs no store call.
      const refuse = async (tookAny: boolean): Promise<LimiterOutcome> => {
        if (tookAny) await release();
        return { admitted: false, decisions, via: 'store' };
      };
      try {
        for (const [i, target] of targets.entries()) {
          const { max, leaseMs } = target.rule.concurrent!;
          // Claims the partition's probe if its memory has passed; while another request probes it
          // (this one waited on an earlier target), it is refused from memory.
          const held = full.held(target.partition, nowMs, true);
          if (held !== undefined) {
            decisions.push(slotDecision(target, max, false, held));
            return await refuse(i > 0);
          }
          const result = await store.acquire(target.partition, leaseId, max, leaseMs, nowMs, { timeoutMs });
          decisions.push(slotDecision(target, max, result.acquired, result.held));
          if (!result.acquired) {
            full.remember(target.partition, result.held, nowMs, result.freesAtMs);
            return await refuse(i > 0);
          }
          // A probe that got a slot: the partition had room, nothing is known full there.
          full.forget([target.partition]);
        }
        return { admitted: true, decisions, via: 'store', holds: true, undo: release };
      } catch (error) {
        return storeFailed(error, targets, release, options.onStoreError);
      }
    },
  };
}

export function slotDecision(target: Target, max: number, acquired: boolean, held: number): LimitDecision {
  return {
    rule: target.rule,
    kind: target.rule.kind,
    caller: target.partition.caller,
    allowed: acquired,
    limit: max,
    remaining: Math.max(0, max - held),
    retryAfterMs: acquired ? 0 : SLOT_RETRY_AFTER_MS,
    resetMs: 0,
    window: 'at once',
    windowSeconds: 0,
    usedShare: Math.min(1, held / max),
  };
}

/** The store failed: what the lease took goes back, and the rules' onStoreError decides (see above). */
export async function storeFailed(error: unknown, targets: readonly Target[], release: () => Promise<void>, onError?: (error: unknown) => void): Promise<LimiterOutcome> {
  onError?.(error);
  await release();
  const deny = targets.some((t) => t.rule.onStoreError === 'deny');
  return deny ? { admitted: false, decisions: [], via: 'deny', unavailable: true } : { admitted: true, decisions: [], via: 'allow' };
}

/**
 * Gives back every slot of the lease, and forgets that the partitions it gave back in were full;
 * never throws (a lost release expires with its lease).
 */
export function releaser(store: SlotStore, leaseId: string, timeoutMs: number, full: KnownFull, onError?: (error: unknown) => void): () => Promise<void> {
  return () =>
    store.release(leaseId, { timeoutMs }).then(
      (partitions) => full.forget(partitions),
      (error: unknown) => onError?.(error),
    );
}
