/**
 * composeLimiters: every limiter of the service, built once from the stores, and the two chains
 * that use them (engine/limiter-chain.ts): the HTTP guard's (slots, carriers, shared and token
 * buckets, fast windows, exact windows) and the rate-limit documents' (fast, then exact
 * fixed-window counters). One fast limiter serves both, so one sync job publishes everything
 * this instance counted in fast mode.
 */
import type { Clock } from './clock.js';
import type { Stores } from './stores.js';
import { createThrottle, type Throttle } from './engine/throttle.js';
import type { CallLog, PartitionKey } from './engine/call-log.js';
import type { Target } from './engine/admit.js';
import type { PartitionCache } from './engine/partition-cache.js';
import type { MemoryCallLog } from './store/memory/memory-call-log.js';
import { createLimiterChain, type LimiterChain } from './engine/limiter-chain.js';
import { createSlotLimiter } from './engine/limiters/slot-limiter.js';
import { KnownFull } from './engine/limiters/known-full.js';
import { createCarrierLimiter } from './engine/limiters/carrier-limiter.js';
import { createStateLimiter } from './engine/limiters/state-limiter.js';
import { bucketSpec } from './engine/limiters/bucket-spec.js';
import { sharedSpec } from './engine/limiters/shared-spec.js';
import { packetSpec } from './engine/limiters/packet-spec.js';
import { createFastLimiter, type FastLimiter } from './engine/limiters/fast-limiter.js';
import { createWindowLimiter } from './engine/limiters/window-limiter.js';

export interface LimiterOptions {
  stores: Stores;
  /** The call log as the exact window sees it (through the metrics' timing decorator). */
  callLog: CallLog;
  /** The exact window's local fallback (onStoreError "local"). */
  local: MemoryCallLog;
  /** The last known state of call-log partitions (shared with the metrics). */
  cache: PartitionCache;
  clock: Clock;
  /** The decision deadline against the store (THROTTLE_DEADLINE_MS). */
  deadlineMs: number;
  /** This instance's name in the fast-mode counts. */
  instanceId: string;
  /** How often the fast-mode counts are shared (FAST_SYNC_INTERVAL_MS). */
  fastSyncIntervalMs: number;
  /** Told the duration (ms) and result of every fast-mode sync (the metrics). */
  onFastSync?: (ms: number, ok: boolean) => void;
  /** How long a slot partition found full is refused without a read (SLOT_REFUSAL_MEMORY_MS; 0: never). */
  slotRefusalMemoryMs: number;
  /** Told about every store failure or missed deadline of a limiter (the exact window names its targets). */
  onStoreError: (error: unknown, targets?: readonly Target[]) => void;
}

export interface Limiters {
  /** The exact sliding window (engine/throttle.ts): also the failed-authentication guard's and the limit admin's. */
  throttle: Throttle;
  /** The HTTP guard's chain (and the generic decision API's). */
  chain: LimiterChain;
  /** Rate-limit documents' packet rules. */
  packets: LimiterChain;
  /** The fast-mode limiter: main.ts schedules its sync (jobs/sync-fast-counts.ts). */
  fast: FastLimiter;
  /** Tells the slot limiters that this instance gave slots back in these partitions (a call ended): none is known full any more. */
  slotsReleased(partitions: readonly PartitionKey[]): void;
}

/** How long taking or giving back a slot may take. */
export const SLOT_TIMEOUT_MS = 2_000;

export function composeLimiters(options: LimiterOptions): Limiters {
  const { stores, deadlineMs, onStoreError } = options;
  const throttle = createThrottle({ store: options.callLog, local: options.local, clock: options.clock, deadlineMs, onStoreError, cache: options.cache });
  // Slot partitions found full: a flood on a full account, room or carrier set is refused without a round trip.
  const full = new KnownFull(options.slotRefusalMemoryMs);
  const slotOptions = { store: stores.slots, timeoutMs: SLOT_TIMEOUT_MS, onStoreError, full };
  const stateOptions = { store: stores.state, deadlineMs, onStoreError };
  const fast = createFastLimiter({
    store: stores.fastCounts,
    instanceId: options.instanceId,
    clock: options.clock,
    syncIntervalMs: options.fastSyncIntervalMs,
    onSyncError: onStoreError,
    onSynced: options.onFastSync,
  });
  const chain = createLimiterChain([
    { limiter: createSlotLimiter(slotOptions), decides: (rule) => rule.kind === 'concurrent' },
    { limiter: createCarrierLimiter(slotOptions), decides: (rule) => rule.kind === 'carriers' },
    { limiter: createStateLimiter({ ...stateOptions, spec: sharedSpec }), decides: (rule) => rule.kind === 'shared' },
    { limiter: createStateLimiter({ ...stateOptions, spec: bucketSpec }), decides: (rule) => rule.kind === 'bucket' },
    { limiter: fast, decides: (rule) => rule.kind === 'window' && rule.consistency === 'fast' },
    { limiter: createWindowLimiter(throttle), decides: (rule) => rule.kind === 'window' },
  ]);
  // Documents count in fixed windows (Kazoo's per_second, per_minute): exact ones in one small
  // state per account (its devices inside) and one for the system, by compare-and-set.
  const packets = createLimiterChain([
    { limiter: fast, decides: (rule) => rule.consistency === 'fast' },
    { limiter: createStateLimiter({ ...stateOptions, spec: packetSpec }), decides: () => true },
  ]);
  return { throttle, chain, packets, fast, slotsReleased: (partitions) => full.forget(partitions) };
}
