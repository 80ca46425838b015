/**
 * Kazoo's token bucket (engine/token-bucket.ts) and its StateSpec (limiters/bucket-spec.ts):
 * continuous refill, Retry-After to the ms, cost 0, costs that never fit, and the bucket through the
 * generic state limiter on the memory store.
 */
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../../src/clock.js';
import type { Target } from '../../../src/engine/admit.js';
import { bucketSpec } from '../../../src/engine/limiters/bucket-spec.js';
import { createStateLimiter } from '../../../src/engine/limiters/state-limiter.js';
import { fillFromEmptyMs, giveBack, newBucket, refill, takeTokens } from '../../../src/engine/token-bucket.js';
import { DEFAULT_ERROR, type BucketLimit, type FillTime, type Rule } from '../../../src/rules/rule.js';
import { MemoryStateStore } from '../../../src/store/memory/memory-state-store.js';

const T0 = 1_800_000_000_000;
const FILL: Record<FillTime, number> = { second: 1_000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const bucket = (maxTokens = 100, fillRate = 10, fillTime: FillTime = 'second'): BucketLimit => ({ maxTokens, fillRate, fillTime, fillTimeMs: FILL[fillTime], costs: 1 });

function bucketRule(limit: BucketLimit): Rule {
  return {
    id: 'kazoo:crossbar',
    kind: 'bucket',
    source: 'test',
    match: { methods: '*', path: '/v1/*' },
    key: [{ source: 'ip', label: 'ip' }],
    limits: [],
    bucket: limit,
    action: { kind: 'reject' },
    consistency: 'exact',
    error: DEFAULT_ERROR,
    onMissingKey: 'skip',
    onStoreError: 'deny',
    mode: 'enforce',
    allow: { exact: new Set(), prefixes: [] },
    deny: { exact: new Set(), prefixes: [] },
    definition: {},
  };
}
const target = (rule: Rule, cost?: number): Target => ({ rule, partition: { caller: '10.0.0.1|AC1', api: rule.id }, ...(cost === undefined ? {} : { cost }) });

describe('token bucket refill', () => {
  const b = bucket();
  it('adds fillRate tokens per fill time, exactly at the fill time and pro rata before it', () => {
    expect(refill(b, { tokens: 0, atMs: T0 }, T0 + 1_000).tokens).toBe(10);
    expect(refill(b, { tokens: 0, atMs: T0 }, T0 + 999).tokens).toBeCloseTo(9.99, 12);
    expect(refill(b, { tokens: 0, atMs: T0 }, T0 + 1).tokens).toBeCloseTo(0.01, 12);
  });

  it('caps at maxTokens', () => {
    expect(refill(b, { tokens: 95, atMs: T0 }, T0 + 1_000)).toEqual({ tokens: 100, atMs: T0 + 1_000 });
    expect(refill(b, { tokens: 0, atMs: T0 }, T0 + 86_400_000).tokens).toBe(100);
  });

  it('adds nothing for a clock behind the stored time, and keeps the stored time', () => {
    expect(refill(b, { tokens: 3, atMs: T0 }, T0 - 5_000)).toEqual({ tokens: 3, atMs: T0 });
  });

  it.each([
    ['minute', 60_000 / 10],
    ['hour', 3_600_000 / 10],
    ['day', 86_400_000 / 10],
  ] as const)('fill time %s: one token every fillTime/fillRate ms', (fillTime, msPerToken) => {
    const slow = bucket(100, 10, fillTime);
    expect(refill(slow, { tokens: 0, atMs: T0 }, T0 + msPerToken).tokens).toBeCloseTo(1, 12);
    const refused = takeTokens(slow, { tokens: 0, atMs: T0 }, 1, T0);
    expect(refused).toMatchObject({ allowed: false, retryAfterMs: msPerToken, resetMs: msPerToken * 100 });
    expect(takeTokens(slow, { tokens: 0, atMs: T0 }, 1, T0 + msPerToken).allowed).toBe(true);
    expect(fillFromEmptyMs(slow)).toBe(FILL[fillTime] * 10);
  });
});

describe('takeTokens', () => {
  const b = bucket();
  it('a new bucket is full', () => {
    expect(newBucket(b, T0)).toEqual({ tokens: 100, atMs: T0 });
    expect(takeTokens(b, newBucket(b, T0), 1, T0)).toMatchObject({ allowed: true, remaining: 99, retryAfterMs: 0, resetMs: 100 });
  });

  it('Retry-After at the edge: cost 5 with 4.5 tokens waits exactly the 50 ms the half token takes', () => {
    const state = { tokens: 4.5, atMs: T0 };
    const refused = takeTokens(b, state, 5, T0);
    expect(refused).toMatchObject({ allowed: false, retryAfterMs: 50, remaining: 0, neverFits: false });
    expect(refused.next).toEqual(state);
    expect(takeTokens(b, state, 5, T0 + 49).allowed).toBe(false);
    const admitted = takeTokens(b, state, 5, T0 + 50);
    expect(admitted).toMatchObject({ allowed: true, remaining: 0 });
    expect(admitted.next.tokens).toBeCloseTo(0, 9);
  });

  it('rounds a fractional wait up to the next ms', () => {
    // 1/3 token missing at 10 per second: 33.33 ms -> 34.
    expect(takeTokens(b, { tokens: 2 / 3, atMs: T0 }, 1, T0).retryAfterMs).toBe(34);
  });

  it('cost 0 always passes and takes nothing, even from an empty bucket', () => {
    const taken = takeTokens(b, { tokens: 0, atMs: T0 }, 0, T0);
    expect(taken).toMatchObject({ allowed: true, retryAfterMs: 0, remaining: 0 });
    expect(taken.next).toEqual({ tokens: 0, atMs: T0 });
  });

  it('refuses a cost larger than the bucket, with Retry-After the time to fill it from empty', () => {
    const taken = takeTokens(b, { tokens: 40, atMs: T0 }, 101, T0);
    expect(taken).toMatchObject({ allowed: false, neverFits: true, retryAfterMs: 10_000, resetMs: 6_000 });
    expect(takeTokens(b, newBucket(b, T0), 101, T0)).toMatchObject({ allowed: false, neverFits: true, retryAfterMs: 10_000, resetMs: 0 });
  });

  it('takes a cost equal to the whole bucket', () => {
    expect(takeTokens(b, newBucket(b, T0), 100, T0)).toMatchObject({ allowed: true, remaining: 0, resetMs: 10_000 });
  });

  it('giveBack refills to now, adds the cost, and never beyond full', () => {
    expect(giveBack(b, { tokens: 10, atMs: T0 }, 5, T0 + 100)).toEqual({ tokens: 16, atMs: T0 + 100 });
    expect(giveBack(b, { tokens: 99, atMs: T0 }, 5, T0)).toEqual({ tokens: 100, atMs: T0 });
  });
});

describe('bucketSpec', () => {
  const rule = bucketRule(bucket());
  it('decodes a new partition as a full bucket, and what it encodes', () => {
    expect(bucketSpec.decode(undefined, target(rule), T0)).toEqual({ tokens: 100, atMs: T0 });
    const state = { tokens: 12.25, atMs: T0 - 7 };
    expect(bucketSpec.decode(bucketSpec.encode(state), target(rule), T0)).toEqual(state);
    expect(bucketSpec.decode('not json', target(rule), T0)).toEqual({ tokens: 100, atMs: T0 });
    expect(bucketSpec.decode('{"w":[]}', target(rule), T0)).toEqual({ tokens: 100, atMs: T0 });
  });

  it('answers a decision in Kazoo terms: the bucket size, the fill period', () => {
    const { decision, next } = bucketSpec.take({ tokens: 10, atMs: T0 }, target(rule, 3), T0);
    expect(decision).toMatchObject({ kind: 'bucket', caller: '10.0.0.1|AC1', allowed: true, limit: 100, remaining: 7, retryAfterMs: 0, resetMs: 9_300, window: 'second', windowSeconds: 1, usedShare: 0.93 });
    expect(next).toEqual({ tokens: 7, atMs: T0 });
    expect(bucketSpec.take({ tokens: 2, atMs: T0 }, target(rule, 3), T0).decision).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 100 });
  });

  it('a target without a cost costs 1; refund gives the cost back', () => {
    expect(bucketSpec.take({ tokens: 1, atMs: T0 }, target(rule), T0).next.tokens).toBe(0);
    expect(bucketSpec.refund({ tokens: 1, atMs: T0 }, target(rule, 4), T0)).toEqual({ tokens: 5, atMs: T0 });
  });

  it('keeps a row as long as an empty bucket takes to fill, plus a minute', () => {
    expect(bucketSpec.ttlSeconds(target(rule))).toBe(10 + 60);
    expect(bucketSpec.ttlSeconds(target(bucketRule(bucket(250, 10, 'minute'))))).toBe(25 * 60 + 60);
    expect(bucketSpec.ttlSeconds(target(bucketRule(bucket(50, 5, 'hour'))))).toBe(10 * 3_600 + 60);
  });
});

describe('a bucket through the state limiter', () => {
  it('admits the bucket, refuses the rest with Retry-After, refills, and undo gives back', async () => {
    const clock = createManualClock(T0);
    const store = new MemoryStateStore(clock);
    const limiter = createStateLimiter({ spec: bucketSpec, store, deadlineMs: 1_000 });
    const rule = bucketRule(bucket(10, 1, 'second'));
    const take = (cost: number) => limiter.take({ targets: [target(rule, cost)], nowMs: clock(), leaseId: 'unused' });

    const burst = await Promise.all(Array.from({ length: 12 }, () => take(1)));
    expect(burst.filter((o) => o.admitted)).toHaveLength(10);
    expect(burst.find((o) => !o.admitted)!.decisions[0]).toMatchObject({ allowed: false, retryAfterMs: 1_000, limit: 10 });
    clock.advance(2_000);
    const two = await take(2);
    expect(two.admitted).toBe(true);
    expect((await take(1)).admitted).toBe(false);
    await two.undo!();
    expect(JSON.parse(store.readNow({ caller: '10.0.0.1|AC1', api: rule.id }).state!)).toEqual({ t: 2, at: T0 + 2_000 });
  });
});
