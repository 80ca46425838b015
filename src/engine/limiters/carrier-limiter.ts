/**
 * Carrier selection ({"kind": "carriers"}): FreeSWITCH's limit_execute in succession. The carriers
 * are tried in the rule's order; a call takes a slot on the first with fewer than `max` calls at
 * once, and the decision names it (the call records it). When every carrier is full the request is
 * refused with the rule's error (503 ALL_CARRIERS_BUSY unless the rule says otherwise).
 *
 * Each carrier is a slot partition of its own, `<rule key>/<carrier name>` under the rule's id, in
 * the same slot store as concurrent limits: exact across instances by compare-and-set, held under
 * the call's sid until it ends, and expiring with the lease if the end never comes. A carrier found
 * full is known full for SLOT_REFUSAL_MEMORY_MS, as a concurrent limit's partition (slot-limiter.ts).
 */
import type { PartitionKey } from '../call-log.js';
import type { Target } from '../admit.js';
import type { Limiter, LimiterOutcome, LimitDecision } from '../limiter.js';
import { releaser, slotDecision, storeFailed, type SlotLimiterOptions } from './slot-limiter.js';

export function carrierPartition(partition: PartitionKey, carrier: string): PartitionKey {
  return { api: partition.api, caller: `${partition.caller}/${carrier}` };
}

export function createCarrierLimiter(options: SlotLimiterOptions): Limiter {
  const { store, timeoutMs, full } = options;
  /**
   * Every carrier of a rule known full: refused again without a round trip. A peek: it claims no
   * probe (known-full.ts); take() claims each carrier's probe only when it is about to ask the
   * store about that carrier.
   */
  const allFull = (target: Target, nowMs: number): number | undefined => {
    let first: number | undefined;
    for (const carrier of target.rule.carriers!.carriers) {
      const held = full.held(carrierPartition(target.partition, carrier.name), nowMs);
      if (held === undefined) return undefined;
      first ??= held;
    }
    return first;
  };
  const blocked = (targets: readonly Target[], nowMs: number): LimiterOutcome | undefined => {
    for (const target of targets) {
      const held = allFull(target, nowMs);
      if (held === undefined) continue;
      const { carriers } = target.rule.carriers!;
      const total = carriers.reduce((sum, c) => sum + c.max, 0);
      return { admitted: false, decisions: [{ ...slotDecision(target, carriers[0]!.max, false, held), limit: total, remaining: 0 }], via: 'cache' };
    }
    return undefined;
  };
  return {
    kind: 'carriers',
    blocked,
    async take({ targets, nowMs, leaseId }): Promise<LimiterOutcome> {
      const known = blocked(targets, nowMs);
      if (known) return known;
      const release = releaser(store, leaseId, timeoutMs, full, options.onStoreError);
      const decisions: LimitDecision[] = [];
      let tookAny = false;
      try {
        for (const target of targets) {
          const { carriers, leaseMs } = target.rule.carriers!;
          let chosen: LimitDecision | undefined;
          let busy: LimitDecision | undefined;
          for (const carrier of carriers) {
            const partition = carrierPartition(target.partition, carrier.name);
            // A carrier still known full (or being probed for another request) is not asked again:
            // only those whose memory has passed are, each claiming its probe.
            const held = full.held(partition, nowMs, true);
            if (held !== undefined) {
              busy ??= slotDecision(target, carrier.max, false, held);
              continue;
            }
            const result = await store.acquire(partition, leaseId, carrier.max, leaseMs, nowMs, { timeoutMs });
            if (result.acquired) {
              tookAny = true;
              full.forget([partition]);
              chosen = { ...slotDecision(target, carrier.max, true, result.held), carrier: carrier.name };
              break;
            }
            full.remember(partition, result.held, nowMs, result.freesAtMs);
            busy ??= slotDecision(target, carrier.max, false, result.held);
          }
          if (!chosen) {
            decisions.push({ ...busy!, limit: carriers.reduce((sum, c) => sum + c.max, 0), remaining: 0 });
            // Only what this request took goes back: a refusal that took nothing costs no store call.
            if (tookAny) await release();
            return { admitted: false, decisions, via: 'store' };
          }
          decisions.push(chosen);
        }
        return { admitted: true, decisions, via: 'store', holds: true, undo: release };
      } catch (error) {
        return storeFailed(error, targets, release, options.onStoreError);
      }
    },
  };
}
