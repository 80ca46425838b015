/** The embedded store: every repository in this process's memory (lost on restart). */
import type { Clock } from '../../clock.js';
import type { Stores } from '../../stores.js';
import { MemoryCallLog } from './memory-call-log.js';
import { MemoryCallLogMaintenance } from './memory-call-log-maintenance.js';
import { MemoryResetFeed } from './memory-reset-feed.js';
import { MemorySignupRepository } from './memory-signup-repository.js';
import { MemoryAccountRepository } from './memory-account-repository.js';
import { MemoryCdrRepository } from './memory-cdr-repository.js';
import { MemorySettingsStore } from './memory-settings-store.js';
import { MemoryConferenceRepository } from './memory-conference-repository.js';
import { MemoryCallRepository } from './memory-call-repository.js';
import { MemoryCallServiceRepository } from './memory-call-service-repository.js';
import { MemoryHeavyHitterStore } from './memory-heavy-hitter-store.js';
import { MemorySlotStore } from './memory-slot-store.js';
import { MemoryStateStore } from './memory-state-store.js';
import { MemoryFastCountStore } from './memory-fast-count-store.js';
// domain repository imports (one line per domain)
import { MemoryDeviceRepository } from './memory-device-repository.js';
import { MemoryRateLimitRepository } from './memory-rate-limit-repository.js';

export function memoryStores(clock: Clock): Stores {
  const callLog = new MemoryCallLog(clock);
  const slots = new MemorySlotStore();
  const state = new MemoryStateStore(clock);
  return {
    kind: 'memory',
    callLog,
    maintenance: new MemoryCallLogMaintenance(callLog),
    resetFeed: new MemoryResetFeed(),
    signups: new MemorySignupRepository(),
    accounts: new MemoryAccountRepository(),
    cdrs: new MemoryCdrRepository(),
    settings: new MemorySettingsStore(),
    conferences: new MemoryConferenceRepository(),
    calls: new MemoryCallRepository(),
    callServices: new MemoryCallServiceRepository(),
    heavyHitters: new MemoryHeavyHitterStore(clock),
    slots,
    state,
    // One process: every limiter in it shares this store (tests run several "instances" on it).
    fastCounts: new MemoryFastCountStore(clock),
    // domain repositories (one line per domain)
    devices: new MemoryDeviceRepository(),
    rateLimits: new MemoryRateLimitRepository(),
    health: async () => ({ status: 'ok', store: 'memory' }),
    memoryLogs: [callLog],
    sweepMemory: (nowMs) => {
      slots.prune(nowMs);
      state.prune(nowMs);
    },
    close: async () => {},
  };
}
