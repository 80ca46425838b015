/**
 * Every store the service needs, as the interfaces their consumers own. Built by
 * store/memory/memory-stores.ts (the embedded default) or store/cassandra/cassandra-stores.ts,
 * and handed to compose.ts. A domain adds its repository here and in both builders.
 */
import type { CallLog } from './engine/call-log.js';
import type { CallLogMaintenance } from './engine/call-log-maintenance.js';
import type { ResetFeed } from './engine/reset-feed.js';
import type { SignupRepository } from './domains/signup/signup.js';
import type { AccountRepository } from './domains/accounts/accounts.js';
import type { HealthReport } from './health.js';
import type { MemoryCallLog } from './store/memory/memory-call-log.js';
import type { CdrRepository } from './domains/cdrs/cdr.js';
import type { SettingsStore } from './domains/settings/settings-store.js';
import type { ConferenceRepository } from './domains/conferences/conference.js';
import type { CallRepository } from './domains/calls/call.js';
import type { CallServiceRepository } from './domains/calls/call-service.js';
import type { HeavyHitterStore } from './heavy-hitters/heavy-hitter-store.js';
import type { SlotStore } from './engine/slot-store.js';
import type { StateStore } from './engine/state-store.js';
import type { FastCountStore } from './engine/fast-count-store.js';
// domain repository imports (one line per domain)
import type { DeviceRepository } from './domains/devices/device.js';
import type { RateLimitRepository } from './domains/rate-limits/rate-limit-repository.js';

export interface Stores {
  kind: 'memory' | 'cassandra';
  callLog: CallLog;
  /** The prune job's view of the call log. */
  maintenance: CallLogMaintenance;
  resetFeed: ResetFeed;
  signups: SignupRepository;
  accounts: AccountRepository;
  cdrs: CdrRepository;
  settings: SettingsStore;
  conferences: ConferenceRepository;
  calls: CallRepository;
  callServices: CallServiceRepository;
  /** Heavy-hitter summaries every instance publishes and GET /v1/admin/top merges. */
  heavyHitters: HeavyHitterStore;
  /** The concurrent limiter's slots (and the carriers'). */
  slots: SlotStore;
  /** Versioned states of token buckets, shared buckets and exact fixed-window counters. */
  state: StateStore;
  /** Each instance's counts for rules and documents in fast mode. */
  fastCounts: FastCountStore;
  // domain repositories (one line per domain)
  devices: DeviceRepository;
  /** Kazoo-style rate-limit documents (system, account, device). */
  rateLimits: RateLimitRepository;
  health: () => Promise<HealthReport>;
  /** Memory call logs to prune on a schedule (none with Cassandra: rows expire by TTL). */
  memoryLogs: MemoryCallLog[];
  /** Drops expired in-memory state on a schedule (memory slots); Cassandra expires its own by TTL. */
  sweepMemory?: (nowMs: number) => void;
  close: () => Promise<void>;
}
