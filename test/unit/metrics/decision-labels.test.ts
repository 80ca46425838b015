import { describe, expect, it } from 'vitest';
import type { DecisionEvent } from '../../../src/http/decision-events.js';
import { decisionOutcome, isNearLimit } from '../../../src/metrics/decision-labels.js';

const event = (outcome: DecisionEvent['outcome'], via: DecisionEvent['via'], usedShare?: number): DecisionEvent => ({
  rule: 'r',
  outcome,
  kind: 'window',
  via,
  caller: 'hmac',
  ...(usedShare === undefined ? {} : { usedShare }),
});

describe('decisionOutcome', () => {
  it.each([
    ['admitted', 'store', 'admitted'],
    ['limited', 'store', 'limited'],
    ['limited', 'cache', 'limited'],
    ['shadow', 'store', 'shadow'],
    ['shadow', 'cache', 'shadow'],
    ['admitted', 'local', 'fallback'],
    ['limited', 'local', 'fallback'],
    ['shadow', 'local', 'fallback'],
    ['admitted', 'allow', 'fallback'],
    ['limited', 'deny', 'fallback'],
    ['allowed-listed', 'list', 'allowed_listed'],
    ['denied-listed', 'list', 'denied_listed'],
  ] as const)('%s via %s is counted as %s', (outcome, via, expected) => {
    expect(decisionOutcome(event(outcome, via))).toBe(expected);
  });
});

describe('isNearLimit', () => {
  it.each([
    ['admitted', 'store', 0.8, true],
    ['admitted', 'store', 1, true],
    ['admitted', 'store', 0.79, false],
    ['admitted', 'local', 0.9, true],
    ['limited', 'store', 1, false],
    ['shadow', 'store', 1, false],
    ['allowed-listed', 'list', undefined, false],
    ['admitted', 'store', undefined, false],
  ] as const)('%s via %s at %s of the limit: %s (share 0.8)', (outcome, via, usedShare, expected) => {
    expect(isNearLimit(event(outcome, via, usedShare), 0.8)).toBe(expected);
  });

  it('takes the share it is given', () => {
    expect(isNearLimit(event('admitted', 'store', 0.5), 0.5)).toBe(true);
    expect(isNearLimit(event('admitted', 'store', 0.99), 1)).toBe(false);
  });
});
