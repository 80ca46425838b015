/**
 * What an operator may ask of one caller under one rule, by the RAW key (the store only knows its
 * keyed hash) or by its partition key as the heavy hitters show it: inspect its calls and
 * windows, or reset it. A reset writes a reset marker with
 * compare-and-set, publishes it on the reset feed so every instance drops its cached blocks for
 * it, and drops this instance's at once. During a key rotation both secrets' partitions are
 * handled. Used by the admin routes and by `npm run calls`.
 */
import type { Clock } from '../clock.js';
import { invalidRequest } from '../errors.js';
import { keyFromValues, type KeyOptions } from '../keys/extract-key.js';
import type { KeyHasher } from '../keys/key-hasher.js';
import type { Rule } from '../rules/rule.js';
import type { CallLog, PartitionKey } from './call-log.js';
import { decide, readPlan, ttlSecondsFor } from './decide.js';
import type { ResetFeed } from './reset-feed.js';
import type { RuleIndex } from './rule-index.js';

export interface LimitAdminDeps {
  log: CallLog;
  feed: ResetFeed;
  rules: () => RuleIndex;
  hasher: KeyHasher;
  keyOptions: KeyOptions;
  clock: Clock;
  /** Drops this instance's cached state for a partition (Throttle.forget). */
  forget: (partition: PartitionKey) => void;
  timeoutMs: number;
}

export interface LimitReport {
  rule: string;
  partitions: Array<{ caller: string; secret: 'current' | 'previous'; version: number; calls: string[] }>;
  windows: Array<{ count: number; window: string; used: number; full: boolean; resetSeconds: number }>;
  /** What the next request would get. */
  next: 'admitted' | 'denied';
  retryAfter: number;
}

/** A caller by its raw key (the parts of a compound key), or by its partition key (GET /v1/admin/top's `caller`). */
export type LimitSubject = readonly string[] | { caller: string };

/** A partition key: HMAC-SHA256 in base64url without padding (keys/key-hasher.ts). */
const PARTITION_KEY = /^[A-Za-z0-9_-]{43}$/;

export interface ResetReport {
  rule: string;
  partitions: string[];
  resetAt: string;
}

export function createLimitAdmin(deps: LimitAdminDeps) {
  function locate(ruleId: string, subject: LimitSubject): { rule: Rule; partitions: Array<{ key: PartitionKey; secret: 'current' | 'previous' }> } {
    const rule = deps.rules().byId(ruleId);
    if (!rule) throw invalidRequest('rule', `no rule "${ruleId}"`);
    if (rule.kind === 'concurrent' || rule.kind === 'carriers') throw invalidRequest('rule', `rule "${ruleId}" is a concurrent limit: its slots are held by resources and given back when they end (or their lease runs out), not reset here`);
    if (rule.kind !== 'window' || rule.consistency !== 'exact') throw invalidRequest('rule', `rule "${ruleId}" is a ${rule.kind === 'window' ? 'fast-mode window' : `${rule.kind} limit`}: usage show and reset read exact sliding windows only`);
    if ('caller' in subject) {
      if (!PARTITION_KEY.test(subject.caller)) throw invalidRequest('caller', 'caller must be a partition key: 43 base64url characters, as GET /v1/admin/top shows it');
      // Heavy hitters are hashed under the current secret; a hash is taken as given, without a previous-secret twin.
      return { rule, partitions: [{ key: { caller: subject.caller, api: rule.id }, secret: 'current' }] };
    }
    const rawKey = subject;
    const key = keyFromValues(rule, rawKey, deps.keyOptions);
    if (key.kind !== 'key') throw invalidRequest('key', key.kind === 'invalid' ? key.message : 'key is required');
    const partitions: Array<{ key: PartitionKey; secret: 'current' | 'previous' }> = [{ key: { caller: deps.hasher.hash(key.value), api: rule.id }, secret: 'current' }];
    if (deps.hasher.previous) partitions.push({ key: { caller: deps.hasher.previous(key.value), api: rule.id }, secret: 'previous' });
    return { rule, partitions };
  }

  return {
    async inspect(ruleId: string, subject: LimitSubject): Promise<LimitReport> {
      const { rule, partitions } = locate(ruleId, subject);
      const now = deps.clock();
      const plan = readPlan(rule.limits);
      const states = await Promise.all(partitions.map((p) => deps.log.read(p.key, now - plan.windowMs, plan.count, { timeoutMs: deps.timeoutMs })));
      const calls = states.flatMap((s) => s.callsMs).sort((a, b) => b - a);
      const decision = decide(rule.limits, calls, now);
      return {
        rule: rule.id,
        partitions: partitions.map((p, i) => ({
          caller: p.key.caller,
          secret: p.secret,
          version: states[i]!.version,
          calls: states[i]!.callsMs.map((ms) => new Date(ms).toISOString()),
        })),
        windows: decision.windows.map((w) => ({
          count: w.limit.count,
          window: w.limit.window,
          used: w.used,
          full: !w.allowed,
          resetSeconds: Math.max(0, Math.ceil(w.resetMs / 1000)),
        })),
        next: decision.allowed ? 'admitted' : 'denied',
        retryAfter: Math.ceil(decision.retryAfterMs / 1000),
      };
    },

    async reset(ruleId: string, subject: LimitSubject): Promise<ResetReport> {
      const { rule, partitions } = locate(ruleId, subject);
      const now = deps.clock();
      for (const { key } of partitions) {
        await deps.log.reset(key, now, ttlSecondsFor(rule.limits), { timeoutMs: deps.timeoutMs });
        deps.forget(key);
        await deps.feed.publish(key, now);
      }
      return { rule: rule.id, partitions: partitions.map((p) => p.key.caller), resetAt: new Date(now).toISOString() };
    },
  };
}

export type LimitAdmin = ReturnType<typeof createLimitAdmin>;
