import { describe, expect, it } from 'vitest';
import { DecisionRates, growth } from '../../../dashboard/src/decision-rates.js';
import type { Sample } from '../../../dashboard/src/prometheus-text.js';

const decisions = (rule: string, outcome: string, value: number, via = 'store'): Sample => ({ name: 'tollgate_decisions_total', labels: { rule, outcome, kind: 'window', via }, value });

describe('DecisionRates', () => {
  it('has totals but no rates at the first scrape', () => {
    const snapshot = new DecisionRates().next([decisions('a', 'admitted', 10), decisions('a', 'limited', 4)], 1_000);
    expect(snapshot.byOutcome).toBeUndefined();
    expect(snapshot.byRule).toEqual({ a: { decisionsPerSecond: undefined, refusedPerSecond: undefined, decisions: 14, refused: 4 } });
  });

  it('gives per-second rates by outcome and by rule between two scrapes, summed over kinds and paths', () => {
    const rates = new DecisionRates();
    rates.next([decisions('a', 'admitted', 10), decisions('a', 'limited', 4), decisions('b', 'admitted', 1)], 1_000);
    const snapshot = rates.next(
      [decisions('a', 'admitted', 20), decisions('a', 'limited', 4), decisions('a', 'limited', 6, 'cache'), decisions('b', 'admitted', 1), decisions('b', 'denied_listed', 2, 'list')],
      3_000,
    );
    expect(snapshot.byOutcome).toEqual({ admitted: 5, limited: 3, shadow: 0, marked: 0, delayed: 0, allowed_listed: 0, denied_listed: 1, fallback: 0 });
    expect(snapshot.byRule.a).toEqual({ decisionsPerSecond: 8, refusedPerSecond: 3, decisions: 30, refused: 10 });
    expect(snapshot.byRule.b).toEqual({ decisionsPerSecond: 1, refusedPerSecond: 1, decisions: 3, refused: 2 });
  });

  it('does not count shadow refusals as refused', () => {
    const rates = new DecisionRates();
    rates.next([], 0);
    expect(rates.next([decisions('s', 'shadow', 4), decisions('s', 'admitted', 4)], 2_000).byRule.s).toMatchObject({ refusedPerSecond: 0, decisionsPerSecond: 4 });
  });

  it('takes a counter that went down as restarted from zero (the service restarted)', () => {
    const rates = new DecisionRates();
    rates.next([decisions('a', 'admitted', 100)], 0);
    expect(rates.next([decisions('a', 'admitted', 6)], 2_000).byOutcome!.admitted).toBe(3);
    expect(growth(6, 100)).toBe(6);
    expect(growth(106, 100)).toBe(6);
  });

  it('keeps outcomes the dashboard does not know, and rules that appear later', () => {
    const rates = new DecisionRates();
    rates.next([decisions('a', 'admitted', 1)], 0);
    const snapshot = rates.next([decisions('a', 'admitted', 1), decisions('new', 'something_new', 10)], 10_000);
    expect(snapshot.byOutcome!.something_new).toBe(1);
    expect(snapshot.byRule.new).toMatchObject({ decisionsPerSecond: 1, decisions: 10 });
  });

  it('gives no rates for a scrape that is not later than the previous one', () => {
    const rates = new DecisionRates();
    rates.next([decisions('a', 'admitted', 1)], 5_000);
    expect(rates.next([decisions('a', 'admitted', 2)], 5_000).byOutcome).toBeUndefined();
  });
});
