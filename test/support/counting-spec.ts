/**
 * A tiny StateSpec for testing the generic state limiter (src/engine/limiters/state-limiter.ts):
 * "at most `max` admissions per partition", no time involved, so every count is exact and easy
 * to assert. The state is { used }.
 */
import type { Target } from '../../src/engine/admit.js';
import type { StateSpec } from '../../src/engine/limiters/state-limiter.js';
import type { OnStoreError, Rule } from '../../src/rules/rule.js';

export interface Counted {
  used: number;
}

export function countingSpec(max: number | ((target: Target) => number)): StateSpec<Counted> {
  const maxOf = typeof max === 'number' ? () => max : max;
  return {
    kind: 'bucket',
    decode: (text) => (text === undefined ? { used: 0 } : (JSON.parse(text) as Counted)),
    encode: (state) => JSON.stringify(state),
    take(state, target) {
      const limit = maxOf(target);
      const cost = target.cost ?? 1;
      const allowed = state.used + cost <= limit;
      const used = allowed ? state.used + cost : state.used;
      return {
        decision: {
          rule: target.rule,
          kind: 'bucket',
          caller: target.partition.caller,
          allowed,
          limit,
          remaining: allowed ? limit - used : 0,
          retryAfterMs: allowed ? 0 : 60_000,
          resetMs: 60_000,
          window: '1m',
          windowSeconds: 60,
        },
        next: { used },
      };
    },
    refund: (state, target) => ({ used: Math.max(0, state.used - (target.cost ?? 1)) }),
    ttlSeconds: () => 3_600,
  };
}

/** A rule for the counting spec, every field given (the limiter reads only id and onStoreError). */
export function countingRule(id: string, onStoreError: OnStoreError = 'deny'): Rule {
  return {
    id,
    kind: 'bucket',
    source: 'test',
    match: { methods: ['POST'], path: '/v1/calls' },
    key: [{ source: 'body', name: 'from', label: 'body.from' }],
    limits: [],
    action: { kind: 'reject' },
    consistency: 'exact',
    error: { status: 429, code: 'REQUEST_LIMIT_REACHED', message: 'Too many requests; try again later.' },
    onMissingKey: 'skip',
    onStoreError,
    mode: 'enforce',
    allow: { exact: new Set(), prefixes: [] },
    deny: { exact: new Set(), prefixes: [] },
    definition: {},
  };
}

export function countingTarget(rule: Rule, caller: string, cost?: number): Target {
  return { rule, partition: { caller, api: rule.id }, ...(cost === undefined ? {} : { cost }) };
}
