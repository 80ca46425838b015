/**
 * The HeavyHitterStore contract: memory and Cassandra run these same cases. `elapse` moves time
 * for TTLs: a manual clock for memory, real waiting for Cassandra. Each case uses a rule id of
 * its own, so cases sharing a keyspace never see each other's rows.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BucketSummary, HeavyHitterStore, PublishedSummary } from '../../src/heavy-hitters/heavy-hitter-store.js';
import { HeavyHitterTracker } from '../../src/heavy-hitters/heavy-hitter-tracker.js';
import { reportHeavyHitters } from '../../src/heavy-hitters/heavy-hitter-report.js';

export interface HeavyHitterStoreHarness {
  store: HeavyHitterStore;
  elapse(ms: number): Promise<void>;
}

const T0 = 1_800_000_000_000;
const caller = (n: number) => `caller-${String(n).padStart(36, '0')}`;
const ruleId = () => `top-${randomUUID().slice(0, 8)}`;

function summary(rule: string, overrides: Partial<PublishedSummary> = {}): PublishedSummary {
  return {
    rule,
    window: '1m',
    bucketStartMs: T0,
    instance: 'a',
    side: 'refused',
    total: 12,
    floor: 2,
    counters: [
      { caller: caller(1), count: 7, error: 0 },
      { caller: caller(2), count: 3, error: 2 },
      { caller: caller(3), count: 2, error: 2 },
    ],
    ttlSeconds: 600,
    ...overrides,
  };
}

const stored = ({ ttlSeconds: _, ...rest }: PublishedSummary): BucketSummary => rest;
const sortRows = (rows: BucketSummary[]) => [...rows].sort((x, y) => x.bucketStartMs - y.bucketStartMs || x.instance.localeCompare(y.instance) || x.side.localeCompare(y.side));

export function heavyHitterStoreContract(name: string, harness: () => HeavyHitterStoreHarness): void {
  describe(`${name} honours the HeavyHitterStore contract`, () => {
    it('reads back what was written, counters in order, a normalised key where one was given', async () => {
      const { store } = harness();
      const rule = ruleId();
      const withKey = summary(rule, { side: 'admitted', counters: [{ caller: caller(9), count: 4, error: 1, key: '+14155550100' }, { caller: caller(8), count: 3, error: 0 }] });
      await store.write([summary(rule), withKey]);
      expect(sortRows(await store.read(rule, '1m', [T0]))).toEqual(sortRows([stored(summary(rule)), stored(withKey)]));
    });

    it('replaces what the same instance wrote for the same bucket and side, and keeps instances, sides and buckets apart', async () => {
      const { store } = harness();
      const rule = ruleId();
      const later = T0 + 10_000;
      await store.write([summary(rule), summary(rule, { instance: 'b' }), summary(rule, { bucketStartMs: later })]);
      const newer = summary(rule, { total: 20, counters: [{ caller: caller(4), count: 20, error: 0 }], floor: 0 });
      await store.write([newer]);
      expect(sortRows(await store.read(rule, '1m', [T0]))).toEqual(sortRows([stored(newer), stored(summary(rule, { instance: 'b' }))]));
      expect(await store.read(rule, '1m', [later])).toEqual([stored(summary(rule, { bucketStartMs: later }))]);
      expect(await store.read(rule, '1m', [T0 + 20_000])).toEqual([]);
      expect(await store.read(rule, '1h', [T0])).toEqual([]);
      expect(await store.read(`${rule}-other`, '1m', [T0])).toEqual([]);
      expect(await store.read(rule, '1m', [])).toEqual([]);
    });

    it('stores an empty summary and large counts', async () => {
      const { store } = harness();
      const rule = ruleId();
      const big = summary(rule, { window: '1d', total: 2 ** 40, floor: 2 ** 33, counters: [{ caller: caller(1), count: 2 ** 39, error: 2 ** 33 }] });
      const empty = summary(rule, { window: '1d', side: 'admitted', total: 0, floor: 0, counters: [] });
      await store.write([big, empty]);
      expect(sortRows(await store.read(rule, '1d', [T0]))).toEqual(sortRows([stored(big), stored(empty)]));
    });

    it('forgets a summary once its TTL has passed', async () => {
      const { store, elapse } = harness();
      const rule = ruleId();
      // Cassandra expires a cell at (write second, truncated) + TTL: 2 s leaves a whole second to read it back.
      await store.write([summary(rule, { ttlSeconds: 2 }), summary(rule, { instance: 'b', ttlSeconds: 600 })]);
      expect(await store.read(rule, '1m', [T0])).toHaveLength(2);
      await elapse(3_000);
      expect((await store.read(rule, '1m', [T0])).map((s) => s.instance)).toEqual(['b']);
    });

    it('lets a report merge two instances: counts add up, with their error bounds', async () => {
      const { store } = harness();
      const rule = ruleId();
      const a = new HeavyHitterTracker({ capacity: 10, instanceId: 'a' });
      const b = new HeavyHitterTracker({ capacity: 10, instanceId: 'b' });
      const hit = (tracker: HeavyHitterTracker, who: string, times: number, outcome = 'limited') => {
        for (let i = 0; i < times; i++) tracker.observe([{ rule, outcome, caller: who }], T0 + i);
      };
      hit(a, caller(1), 30);
      hit(b, caller(1), 25);
      hit(b, caller(2), 40);
      hit(a, caller(3), 5, 'admitted');
      hit(b, caller(3), 6, 'admitted');
      for (const tracker of [a, b]) await store.write(tracker.pending().summaries);
      // A third instance that counted nothing reads what the two published.
      const reader = new HeavyHitterTracker({ capacity: 10, instanceId: 'c' });
      const report = await reportHeavyHitters({ store, tracker: reader, showKeys: false }, { rule, window: '1m', k: 5 }, T0 + 1_000);
      expect(report).toEqual({
        rule,
        window: '1m',
        k: 5,
        generatedAt: new Date(T0 + 1_000).toISOString(),
        instances: 2,
        refused: [{ caller: caller(1), count: 55, error: 0 }, { caller: caller(2), count: 40, error: 0 }],
        admitted: [{ caller: caller(3), count: 11, error: 0 }],
      });
    });
  });
}
