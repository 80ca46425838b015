/**
 * The DecisionService: answers an SBC's packet checks from the rate-limit documents (the device,
 * account and system tiers at once, all or nothing) and generic checks from the rule engine, with
 * the same limiters the HTTP guard uses. Nothing here holds a slot: a check has no resource whose
 * end would give it back, so concurrent and carrier rules are not asked by generic checks.
 */
import type { Clock } from '../../clock.js';
import { invalidRequest } from '../../errors.js';
import type { Target } from '../../engine/admit.js';
import type { LimiterChain, ChainOutcome } from '../../engine/limiter-chain.js';
import type { LimitDecision } from '../../engine/limiter.js';
import { planRequest, type PlanOptions } from '../../engine/plan-request.js';
import type { RuleIndex } from '../../engine/rule-index.js';
import type { KeyHasher } from '../../keys/key-hasher.js';
import type { RequestView } from '../../keys/request-view.js';
import type { Consistency } from '../../rules/rule.js';
import type { DecisionAnswer, DecisionService, GenericCheck, PacketCheck } from './decision-service.js';
import { PacketRules, type EffectiveTier, type Tier } from './packet-rules.js';
import { packetTargets } from './packet-targets.js';

export type { EffectiveTier } from './packet-rules.js';


/** What the rate-limit documents give for an account and device (domains/rate-limits). */
export interface PacketLimitSource {
  effective(accountId: string, deviceId?: string): Promise<Partial<Record<Tier, EffectiveTier>>>;
}

export interface DecisionServiceDeps {
  documents: PacketLimitSource;
  /** Decides packet rules: exact ones by compare-and-set on fixed-window counters, fast ones in memory. */
  packetLimiters: LimiterChain;
  /** The HTTP guard's limiters, for generic checks. */
  limiters: LimiterChain;
  rules: () => RuleIndex;
  planOptions: PlanOptions;
  hasher: KeyHasher;
  clock: Clock;
}

const NO_LIMIT: DecisionAnswer = Object.freeze({ allowed: true, limit: 0, remaining: 0, retryAfter: 0, rule: null, resetAfter: 0, windowSeconds: 0 });
/**
 * The lease a check's decision is taken under. No limiter a check reaches holds anything under it
 * (concurrent and carrier rules are not asked, and packet rules are counters), so one constant
 * spares a random UUID per check.
 */
const NO_LEASE = 'decision-check';
/** Key references a generic check may name (the rules' spelling). */
const KEY_NAME = /^(?:(body|header|query|param)\.([A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*)|ip|token)$/;

export function createDecisionService(deps: DecisionServiceDeps): DecisionService {
  const packetRules = new PacketRules();
  // The hasher remembers recent keys itself (keys/key-hasher.ts): an SBC asks about the same accounts and devices all day.
  const callerOf = (key: string) => deps.hasher.hash(key);

  /**
   * A denial some limiter already knows (a counter this instance saw spent less than a second
   * ago, a window its cache shows full) is answered without a store round trip and counts
   * nothing, as the compare-and-set path would answer after its read. Fast targets are decided in
   * memory: the chain's takeNow() decides them at once, refusals and admissions alike.
   */
  async function decide(chain: LimiterChain, targets: readonly Target[]): Promise<DecisionAnswer> {
    const nowMs = deps.clock();
    if (targets.every((t) => t.rule.consistency === 'fast')) {
      // Decided in memory: take() without its promise and async steps (an SBC's per-packet path).
      const now = chain.takeNow(targets, nowMs, NO_LEASE);
      if (now) return answerOf(now);
    } else {
      const known = chain.blocked(targets, nowMs);
      if (known) return answerOf(known);
    }
    return answerOf(await chain.take(targets, nowMs, NO_LEASE));
  }

  /** A generic check's targets (or its answer when no limiter is needed); throws INVALID_REQUEST for a bad key, counting nothing. */
  function planGeneric(check: GenericCheck): { kind: 'answer'; answer: DecisionAnswer } | { kind: 'targets'; targets: readonly Target[] } {
    const method = (check.method ?? 'POST').toUpperCase();
    const index = deps.rules();
    const rules = index.match(method, check.api).filter((rule) => rule.kind !== 'concurrent' && rule.kind !== 'carriers');
    if (rules.length === 0) return { kind: 'answer', answer: NO_LIMIT };
    const plan = planRequest(rules, requestOf(method, check.keys), deps.planOptions, index, { pattern: check.api });
    if (plan.kind === 'invalid') throw invalidRequest(keyField(plan.field, check.keys), plan.message);
    if (plan.kind === 'listed') {
      return { kind: 'answer', answer: { allowed: false, limit: 0, remaining: 0, retryAfter: 0, rule: plan.rule.id, resetAfter: 0, windowSeconds: 0 } };
    }
    const targets = check.cost === undefined ? plan.targets : plan.targets.map((t) => ({ ...t, cost: check.cost! }));
    return targets.length === 0 ? { kind: 'answer', answer: NO_LIMIT } : { kind: 'targets', targets };
  }

  return {
    async checkPacket(check: PacketCheck): Promise<DecisionAnswer> {
      const tiers = await deps.documents.effective(check.account, check.device);
      const targets = packetTargets(check, tiers, packetRules, callerOf);
      if (targets.length === 0) return NO_LIMIT;
      return decide(deps.packetLimiters, targets);
    },

    async checkGeneric(check: GenericCheck): Promise<DecisionAnswer> {
      const planned = planGeneric(check);
      return planned.kind === 'answer' ? planned.answer : decide(deps.limiters, planned.targets);
    },

    validateGeneric(check: GenericCheck): void {
      planGeneric(check);
    },
  };
}

/** The request a generic check describes: each key where its rule spelling says it comes from. */
function requestOf(method: string, keys: Readonly<Record<string, string>>): RequestView {
  const body: Record<string, unknown> = {};
  const params: Record<string, string> = {};
  const query: Record<string, string> = {};
  const headers: Record<string, string[]> = {};
  let ip = '';
  for (const [name, value] of Object.entries(keys)) {
    const m = KEY_NAME.exec(name);
    if (!m) throw invalidRequest(`keys.${name}`, `keys.${name}: a key is named as rules name it: body.<field>, header.<name>, query.<name>, param.<name>, ip or token`);
    if (name === 'ip') ip = value;
    else if (name === 'token') headers.authorization = [`Bearer ${value}`];
    else if (m[1] === 'body') setPath(body, m[2]!, value);
    else if (m[1] === 'param') params[m[2]!] = value;
    else if (m[1] === 'query') query[m[2]!] = value;
    else headers[m[2]!.toLowerCase()] = [value];
  }
  return { method, params, query, headers, body, ip };
}

/**
 * The check's field a refused key part was given in. A request's body field is named by its path
 * in the body ("phone"); here it was given as its rule spelling ("keys.body.phone").
 */
function keyField(field: string, keys: Readonly<Record<string, string>>): string {
  return `keys.${!Object.hasOwn(keys, field) && Object.hasOwn(keys, `body.${field}`) ? `body.${field}` : field}`;
}

function setPath(target: Record<string, unknown>, path: string, value: string): void {
  const parts = path.split('.');
  let at = target;
  for (const part of parts.slice(0, -1)) {
    const next = at[part];
    at = (typeof next === 'object' && next !== null ? next : (at[part] = {})) as Record<string, unknown>;
  }
  at[parts.at(-1)!] = value;
}

/** The answer: the refusing limit that frees last, else the limit closest to refusing. */
export function answerOf(outcome: ChainOutcome): DecisionAnswer {
  if (outcome.unavailable) return { allowed: false, limit: 0, remaining: 0, retryAfter: 1, rule: null, resetAfter: 1, windowSeconds: 0 };
  let binding: LimitDecision | undefined;
  for (const d of outcome.decisions) {
    if (!outcome.admitted) {
      if (!d.allowed && (!binding || d.retryAfterMs > binding.retryAfterMs)) binding = d;
    } else if (!binding || d.remaining < binding.remaining) binding = d;
  }
  if (!binding) return { ...NO_LIMIT, allowed: outcome.admitted };
  return {
    allowed: outcome.admitted,
    limit: binding.limit,
    remaining: binding.remaining,
    retryAfter: outcome.admitted ? 0 : Math.max(1, Math.ceil(binding.retryAfterMs / 1000)),
    // A document's limit is named down to its window: rate_limits:device:invites:per_second.
    rule: binding.rule.source === 'rate_limits' ? `${binding.rule.id}:${binding.windowSeconds === 1 ? 'per_second' : 'per_minute'}` : binding.rule.id,
    resetAfter: Math.max(0, Math.ceil(binding.resetMs / 1000)),
    windowSeconds: binding.windowSeconds,
  };
}
