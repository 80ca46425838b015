/**
 * What a domain needs of the concurrent limiter: to give back the slots a resource holds when it
 * ends (a call ended, a participant left). The resource's sid is its lease id: the throttle took
 * the slots under it before the handler created the resource (http/api-route.ts `leaseSid`).
 */
export interface SlotLeases {
  /** Gives back the slots held under this lease; never throws (an unreleased slot expires with its lease). */
  release(leaseId: string): Promise<void>;
}

/** For a service built without a concurrent limiter (tests of the domain alone). */
export const NO_SLOT_LEASES: SlotLeases = { release: async () => {} };
