/**
 * Kazoo's rate-limit documents as the rules the limiters decide: for each tier (device, account,
 * system) and each packet class a message counts in (an invite is an invite and a packet), one
 * window rule with the document's per_second and per_minute counts. Built once per distinct
 * document content and kept (a bounded map), so the decision path allocates no rule per check.
 */
import type { Consistency, Limit, Rule } from '../../rules/rule.js';
import { DEFAULT_ERROR } from '../../rules/rule.js';
import type { PacketKind } from './decision-service.js';

/** Kazoo's packet classes, as the documents name them. */
export type PacketClass = 'registrations' | 'invites' | 'total_packets';

export type PacketCounts = Partial<Record<PacketClass, number>>;

/** One tier's limits as a document gives them (domains/rate-limits). */
export interface PacketLimits {
  per_second?: PacketCounts;
  per_minute?: PacketCounts;
}

export type Tier = 'device' | 'account' | 'system';

/** One tier's limits in force and how they are counted. */
export interface EffectiveTier {
  limits: PacketLimits;
  consistency: Consistency;
}

/** The classes a message of each kind is counted in. */
export const CLASSES_OF: Record<PacketKind, readonly PacketClass[]> = {
  registration: ['registrations', 'total_packets'],
  invite: ['invites', 'total_packets'],
  packet: ['total_packets'],
};

const SECOND: Omit<Limit, 'count'> = { windowMs: 1_000, window: '1s' };
const MINUTE: Omit<Limit, 'count'> = { windowMs: 60_000, window: '1m' };
const MAX_CACHED_RULES = 10_000;

/** The classes' positions in a packet state's counts (engine/admit.ts PacketCheckLimits). */
export const CLASS_INDEX: Record<PacketClass, number> = { registrations: 0, invites: 1, total_packets: 2 };
const CLASSES: readonly PacketClass[] = ['registrations', 'invites', 'total_packets'];

/** A tier's limits as counts by position: the three classes per second, then per minute. */
export function countsOf(limits: PacketLimits): Array<number | undefined> {
  return [...CLASSES.map((c) => limits.per_second?.[c]), ...CLASSES.map((c) => limits.per_minute?.[c])];
}

export class PacketRules {
  private readonly cache = new Map<string, Rule | null>();
  private readonly tierRules = new Map<Tier, { exact: Rule; named: Rule[] }>();

  /**
   * The rule an exact check of a tier's state is decided under (the account with its devices, or
   * the system), and the rules its decisions are named after, one per class ("rate_limits:device:invites").
   */
  exact(tier: 'account' | 'system'): Rule {
    return this.tier(tier).exact;
  }

  named(tier: Tier): readonly Rule[] {
    return this.tier(tier).named;
  }

  private tier(tier: Tier): { exact: Rule; named: Rule[] } {
    let rules = this.tierRules.get(tier);
    if (!rules) {
      rules = { exact: ruleOf(`rate_limits:${tier}`, [], 'exact', { tier }), named: CLASSES.map((cls) => ruleOf(`rate_limits:${tier}:${cls}`, [], 'exact', { tier, class: cls })) };
      this.tierRules.set(tier, rules);
    }
    return rules;
  }

  /** The rule for one tier and class, or undefined when the document limits neither window of it. */
  ruleFor(tier: Tier, cls: PacketClass, limits: PacketLimits, consistency: Consistency): Rule | undefined {
    const perSecond = limits.per_second?.[cls];
    const perMinute = limits.per_minute?.[cls];
    const key = `${tier}|${cls}|${perSecond ?? ''}|${perMinute ?? ''}|${consistency}`;
    let rule = this.cache.get(key);
    if (rule === undefined) {
      rule = build(tier, cls, perSecond, perMinute, consistency);
      if (this.cache.size >= MAX_CACHED_RULES) this.cache.clear();
      this.cache.set(key, rule);
    }
    return rule ?? undefined;
  }
}

function build(tier: Tier, cls: PacketClass, perSecond: number | undefined, perMinute: number | undefined, consistency: Consistency): Rule | null {
  const limits: Limit[] = [];
  if (perSecond !== undefined) limits.push({ ...SECOND, count: perSecond });
  if (perMinute !== undefined) limits.push({ ...MINUTE, count: perMinute });
  if (limits.length === 0) return null;
  return ruleOf(`rate_limits:${tier}:${cls}`, limits, consistency, { tier, class: cls, per_second: perSecond, per_minute: perMinute, consistency });
}

function ruleOf(id: string, limits: Limit[], consistency: Consistency, definition: unknown): Rule {
  return Object.freeze({
    id,
    kind: 'window',
    source: 'rate_limits',
    match: { methods: '*', path: '/v1/throttle/check' },
    key: [],
    limits,
    error: DEFAULT_ERROR,
    onMissingKey: 'skip',
    // A packet limit protects the SBC's own capacity: while the store fails, what this instance knows decides.
    onStoreError: 'local',
    mode: 'enforce',
    action: { kind: 'reject' },
    consistency,
    allow: { exact: new Set(), prefixes: [] },
    deny: { exact: new Set(), prefixes: [] },
    definition,
  } satisfies Rule);
}
