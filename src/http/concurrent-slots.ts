/**
 * The concurrent limiter as the throttle middleware uses it: take a slot in every partition a
 * request's concurrent rules name, under one lease, all or nothing (a refusal gives back what
 * was taken); and the answer for a refusal. While the store fails, a rule's onStoreError decides:
 * "deny" refuses (503); otherwise the request goes on without a slot, since no instance can
 * count "at once" for the others on its own (unlike a window, which the local fallback keeps).
 */
import { TollgateError } from '../errors.js';
import type { Target } from '../engine/admit.js';
import type { SlotStore } from '../engine/slot-store.js';

export type SlotOutcome = { kind: 'held' } | { kind: 'refused'; target: Target; held: number } | { kind: 'unavailable'; deny: boolean; error: unknown };

export async function takeSlots(store: SlotStore, targets: readonly Target[], leaseId: string, nowMs: number, timeoutMs: number): Promise<SlotOutcome> {
  try {
    for (const target of targets) {
      const limit = target.rule.concurrent!;
      const result = await store.acquire(target.partition, leaseId, limit.max, limit.leaseMs, nowMs, { timeoutMs });
      if (!result.acquired) {
        await store.release(leaseId, { timeoutMs });
        return { kind: 'refused', target, held: result.held };
      }
    }
    return { kind: 'held' };
  } catch (error) {
    await store.release(leaseId, { timeoutMs }).catch(() => {});
    return { kind: 'unavailable', deny: targets.some((t) => t.rule.onStoreError === 'deny'), error };
  }
}

/** A concurrent limit full: the rule's error; a slot frees when a call ends or a participant leaves, so Retry-After is short. */
export function slotsFullError(target: Target): TollgateError {
  const { rule } = target;
  return new TollgateError('REQUEST_LIMIT_REACHED', rule.error.message, {
    status: rule.error.status,
    publicCode: rule.error.code,
    details: { rule: rule.id, limit: rule.concurrent!.max, window: 'at once', retryAfter: 1 },
    headers: { 'Retry-After': '1' },
  });
}
