/**
 * The FastCountStore contract: every implementation (memory, Cassandra) runs these same cases.
 * `stores` are two handles on the same shared data (one object twice for memory, two clients for
 * Cassandra), as two instances of the service would hold them. Each instance id publishes through
 * one handle only, as one process would: a store may remember what it published (the Cassandra
 * one rewrites a row of many windows from its memory). Rows must live `windowMs` plus a margin of
 * 1 s (the harness builds its stores so), and `elapse` moves the stores' time.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PartitionKey } from '../../src/engine/call-log.js';
import type { FastCountKey, FastCountStore } from '../../src/engine/fast-count-store.js';

export interface FastCountStoreHarness {
  stores: [FastCountStore, FastCountStore];
  elapse(ms: number): Promise<void>;
}

const opts = { timeoutMs: 5_000 };
const MINUTE_MS = 60_000;
const START = 1_800_000_000_000;
const fresh = (api = 'fast'): PartitionKey => ({ caller: `c-${randomUUID()}`, api });
const minute = (partition: PartitionKey, windowStart = START): FastCountKey => ({ partition, windowMs: MINUTE_MS, windowStart });

export function fastCountStoreContract(name: string, harness: () => FastCountStoreHarness): void {
  describe(`${name} honours the FastCountStore contract`, () => {
    it('answers 0 for windows nobody published, in the order asked', async () => {
      const { stores } = harness();
      expect(await stores[0].readOthers('a', [minute(fresh()), minute(fresh())], opts)).toEqual([0, 0]);
      expect(await stores[0].readOthers('a', [], opts)).toEqual([]);
      await stores[0].publish('a', [], opts);
    });

    it("sums the other instances' counts, never the reader's own", async () => {
      const [a, b] = harness().stores;
      const key = minute(fresh());
      await a.publish('i-1', [{ ...key, count: 3 }], opts);
      await b.publish('i-2', [{ ...key, count: 4 }], opts);
      await a.publish('i-3', [{ ...key, count: 5 }], opts);
      expect(await a.readOthers('i-1', [key], opts)).toEqual([9]);
      expect(await b.readOthers('i-2', [key], opts)).toEqual([8]);
      expect(await b.readOthers('i-4', [key], opts)).toEqual([12]);
    });

    it('keeps the last absolute count of an instance: a republish replaces, a retry changes nothing', async () => {
      const [a, b] = harness().stores;
      const key = minute(fresh());
      await a.publish('i-1', [{ ...key, count: 5 }], opts);
      await a.publish('i-1', [{ ...key, count: 7 }], opts);
      await a.publish('i-1', [{ ...key, count: 7 }], opts);
      expect(await b.readOthers('i-2', [key], opts)).toEqual([7]);
      // A lower count (an admission given back) replaces too.
      await a.publish('i-1', [{ ...key, count: 6 }], opts);
      expect(await b.readOthers('i-2', [key], opts)).toEqual([6]);
    });

    it('keeps windows apart: start, length, caller and rule', async () => {
      const [a, b] = harness().stores;
      const p = fresh('rule-a');
      const perMinute = minute(p);
      // Every minute boundary is also a second boundary: same start, another window.
      const perSecond: FastCountKey = { partition: p, windowMs: 1_000, windowStart: START };
      const nextMinute = minute(p, START + MINUTE_MS);
      const otherCaller = minute({ caller: `${p.caller}x`, api: 'rule-a' });
      const otherRule = minute({ caller: p.caller, api: 'rule-b' });
      await a.publish('i-1', [{ ...perMinute, count: 1 }, { ...perSecond, count: 2 }, { ...nextMinute, count: 3 }, { ...otherCaller, count: 4 }, { ...otherRule, count: 5 }], opts);
      expect(await b.readOthers('i-2', [otherRule, perSecond, nextMinute, perMinute, otherCaller], opts)).toEqual([5, 2, 3, 1, 4]);
    });

    it('publishes and reads many windows in one call', async () => {
      const [a, b] = harness().stores;
      const keys = Array.from({ length: 300 }, () => minute(fresh()));
      await a.publish('i-1', keys.map((key, i) => ({ ...key, count: i })), opts);
      expect(await b.readOthers('i-2', keys, opts)).toEqual(keys.map((_, i) => i));
    });

    it('replaces only the windows a publish lists: the others of the same window and rule keep their counts', async () => {
      const [a, b] = harness().stores;
      // 64 callers of one rule in one window: a store that groups windows puts several in each group.
      const keys = Array.from({ length: 64 }, () => minute(fresh('many')));
      await a.publish('i-1', keys.map((key) => ({ ...key, count: 2 })), opts);
      await b.publish('i-2', keys.slice(32).map((key) => ({ ...key, count: 5 })), opts);
      // i-1 lists every fourth window again, half of them down to 0, and nothing else.
      await a.publish('i-1', keys.filter((_, i) => i % 4 === 0).map((key, j) => ({ ...key, count: j % 2 })), opts);
      const ofFirst = keys.map((_, i) => (i % 4 === 0 ? (i / 4) % 2 : 2));
      const ofSecond = keys.map((_, i) => (i >= 32 ? 5 : 0));
      expect(await b.readOthers('i-2', keys, opts)).toEqual(ofFirst);
      expect(await a.readOthers('i-1', keys, opts)).toEqual(ofSecond);
      expect(await a.readOthers('i-3', keys, opts)).toEqual(keys.map((_, i) => ofFirst[i]! + ofSecond[i]!));
    });

    it('takes rules and callers of any text, and answers a window asked twice twice', async () => {
      const [a, b] = harness().stores;
      const odd: FastCountKey = minute({ caller: `say "hi" \\ [1,2] ☎ ${randomUUID()}`, api: 'rule "quoted", with [brackets]' });
      await a.publish('i-1', [{ ...odd, count: 3 }], opts);
      expect(await b.readOthers('i-2', [odd, minute(fresh()), odd], opts)).toEqual([3, 0, 3]);
    });

    it('forgets a window once its rows have outlived the window by the margin', async () => {
      const { stores, elapse } = harness();
      const [a, b] = stores;
      const key: FastCountKey = { partition: fresh(), windowMs: 1_000, windowStart: START };
      await a.publish('i-1', [{ ...key, count: 9 }], opts);
      await elapse(1_000);
      expect(await b.readOthers('i-2', [key], opts)).toEqual([9]);
      // 1 s window + 1 s margin: gone 2 s after the write (3 s leaves Cassandra's TTL room).
      await elapse(2_000);
      expect(await b.readOthers('i-2', [key], opts)).toEqual([0]);
    });
  });
}
