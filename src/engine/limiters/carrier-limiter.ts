/**
 * Carrier selection ({"kind": "carriers"}): FreeSWITCH's limit_execute in succession. The carriers
 * are tried in the rule's order; a call takes a slot on the first with fewer than `max` calls at
 * once, and the decision names it (the call records it). When every carrier is full the request is
 * refused with the rule's error (503 ALL_CARRIERS_BUSY unless the rule says otherwise).
 *
 * Each carrier is a slot partition of its own, `<rule key>/<carrier name>` under the rule's id, in
 * the same slot store as concurrent limits: exact across instances by compare-and-set, held under
 * the call's sid until it ends, and expiring with the lease if the end never comes.
 */
import type { PartitionKey } from '../call-log.js';
import type { Limiter, LimiterOutcome, LimitDecision } from '../limiter.js';
import { releaser, slotDecision, type SlotLimiterOptions } from './slot-limiter.js';

export function carrierPartition(partition: PartitionKey, carrier: string): PartitionKey {
  return { api: partition.api, caller: `${partition.caller}/${carrier}` };
}

export function createCarrierLimiter(options: SlotLimiterOptions): Limiter {
  const { store, timeoutMs } = options;
  return {
    kind: 'carriers',
    async take({ targets, nowMs, leaseId }): Promise<LimiterOutcome> {
      const release = releaser(store, leaseId, timeoutMs, options.onStoreError);
      const decisions: LimitDecision[] = [];
      try {
        for (const target of targets) {
          const { carriers, leaseMs } = target.rule.carriers!;
          let chosen: LimitDecision | undefined;
          let full: LimitDecision | undefined;
          for (const carrier of carriers) {
            const result = await store.acquire(carrierPartition(target.partition, carrier.name), leaseId, carrier.max, leaseMs, nowMs, { timeoutMs });
            if (result.acquired) {
              chosen = { ...slotDecision(target, carrier.max, true, result.held), carrier: carrier.name };
              break;
            }
            full ??= slotDecision(target, carrier.max, false, result.held);
          }
          if (!chosen) {
            decisions.push({ ...full!, limit: carriers.reduce((sum, c) => sum + c.max, 0), remaining: 0 });
            await release();
            return { admitted: false, decisions, via: 'store' };
          }
          decisions.push(chosen);
        }
        return { admitted: true, decisions, via: 'store', holds: true, undo: release };
      } catch (error) {
        options.onStoreError?.(error);
        await release();
        const deny = targets.some((t) => t.rule.onStoreError === 'deny');
        return deny ? { admitted: false, decisions: [], via: 'deny', unavailable: true } : { admitted: true, decisions: [], via: 'allow' };
      }
    },
  };
}
