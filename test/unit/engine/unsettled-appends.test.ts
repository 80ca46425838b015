import { describe, expect, it } from 'vitest';
import { UnsettledAppends } from '../../../src/engine/unsettled-appends.js';
import { testRule } from '../../support/rules.js';

const T0 = 1_800_000_000_000;
const rule = testRule('r', [[5, '1m']]);
const p = { caller: 'k', api: 'r' };
const q = { caller: 'j', api: 'r' };

describe('UnsettledAppends', () => {
  it("counts every decision's append in flight but the asking decision's own", () => {
    const claims = new UnsettledAppends();
    const a = {};
    const b = {};
    claims.add(rule, p, a, T0);
    claims.add(rule, p, b, T0 + 1);
    expect(claims.callsMs(p, T0 + 2)).toEqual([T0, T0 + 1]);
    expect(claims.callsMs(p, T0 + 2, a)).toEqual([T0 + 1]);
    expect(claims.callsMs(q, T0 + 2)).toEqual([]);
  });

  it('drops a claim when its answer comes, and those sent before an append that lands', () => {
    const claims = new UnsettledAppends();
    const [a, b, c, d] = [{}, {}, {}, {}];
    claims.add(rule, p, a, T0);
    claims.add(rule, p, b, T0 + 1);
    const landed = claims.add(rule, p, c, T0 + 2);
    claims.add(rule, p, d, T0 + 3);
    claims.drop(p, a);
    expect(claims.callsMs(p, T0)).toEqual([T0 + 1, T0 + 2, T0 + 3]);
    // c landed: b, sent before it, is settled; d, sent after, may have been decided on c's state.
    claims.settleSentBefore(p, landed);
    expect(claims.callsMs(p, T0)).toEqual([T0 + 2, T0 + 3]);
    claims.drop(p, c);
    claims.drop(p, d);
    expect(claims.size).toBe(0);
  });

  it("forgets a claim once it leaves the rule's window, and keeps at most the partitions it was given", () => {
    const claims = new UnsettledAppends(1);
    claims.add(rule, p, {}, T0);
    expect(claims.callsMs(p, T0 + 59_999)).toEqual([T0]);
    expect(claims.callsMs(p, T0 + 60_000)).toEqual([]);
    expect(claims.size).toBe(0);
    claims.add(rule, p, {}, T0);
    claims.add(rule, q, {}, T0);
    expect(claims.size).toBe(1);
    expect(claims.callsMs(p, T0)).toEqual([]);
  });
});
