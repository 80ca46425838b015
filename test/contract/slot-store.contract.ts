/**
 * The SlotStore contract: every implementation (memory, Cassandra) runs these same cases. Time
 * is the harness's: `now()` and `elapse` are a manual clock for memory and real time for
 * Cassandra, whose slots expire by TTL as well as by expires_at.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PartitionKey } from '../../src/engine/call-log.js';
import type { SlotStore } from '../../src/engine/slot-store.js';

export interface SlotStoreHarness {
  store: SlotStore;
  now(): number;
  elapse(ms: number): Promise<void>;
}

const opts = { timeoutMs: 5_000 };
const HOUR_MS = 3_600_000;
const fresh = (api = 'concurrent'): PartitionKey => ({ caller: `c-${randomUUID()}`, api });
const lease = (): string => `lease-${randomUUID()}`;

export function slotStoreContract(name: string, harness: () => SlotStoreHarness): void {
  describe(`${name} honours the SlotStore contract`, () => {
    it('holds nothing in an unknown partition', async () => {
      const { store, now } = harness();
      expect(await store.held(fresh(), now(), opts)).toBe(0);
    });

    it('admits up to max, then refuses with held = max', async () => {
      const { store, now } = harness();
      const p = fresh();
      for (let i = 0; i < 3; i++) expect(await store.acquire(p, lease(), 3, HOUR_MS, now(), opts)).toEqual({ acquired: true, held: i + 1 });
      expect(await store.acquire(p, lease(), 3, HOUR_MS, now(), opts)).toMatchObject({ acquired: false, held: 3 });
      expect(await store.held(p, now(), opts)).toBe(3);
    });

    it('says, refusing, when the earliest live slot expires by itself', async () => {
      const { store, now } = harness();
      const p = fresh();
      const start = now();
      await store.acquire(p, lease(), 2, 2 * HOUR_MS, start, opts);
      await store.acquire(p, lease(), 2, HOUR_MS, start, opts);
      expect(await store.acquire(p, lease(), 2, HOUR_MS, now(), opts)).toEqual({ acquired: false, held: 2, freesAtMs: start + HOUR_MS });
    });

    it('lets a lease take a slot it already holds again without taking a second one', async () => {
      const { store, now } = harness();
      const p = fresh();
      const id = lease();
      expect(await store.acquire(p, id, 2, HOUR_MS, now(), opts)).toEqual({ acquired: true, held: 1 });
      expect(await store.acquire(p, id, 2, HOUR_MS, now(), opts)).toEqual({ acquired: true, held: 1 });
      expect(await store.held(p, now(), opts)).toBe(1);
      // Even when the partition is full, the holder is still admitted.
      expect(await store.acquire(p, lease(), 2, HOUR_MS, now(), opts)).toEqual({ acquired: true, held: 2 });
      expect(await store.acquire(p, id, 2, HOUR_MS, now(), opts)).toEqual({ acquired: true, held: 2 });
      expect(await store.held(p, now(), opts)).toBe(2);
    });

    it('gives back every slot of a lease, in every partition, and answers those partitions', async () => {
      const { store, now } = harness();
      const a = fresh('rule-a');
      const b = { caller: a.caller, api: 'rule-b' };
      const id = lease();
      const other = lease();
      await store.acquire(a, id, 1, HOUR_MS, now(), opts);
      await store.acquire(b, id, 5, HOUR_MS, now(), opts);
      await store.acquire(b, other, 5, HOUR_MS, now(), opts);
      const freed = await store.release(id, opts);
      expect(freed.map((p) => `${p.api}/${p.caller}`).sort()).toEqual([`rule-a/${a.caller}`, `rule-b/${a.caller}`]);
      expect(await store.held(a, now(), opts)).toBe(0);
      expect(await store.held(b, now(), opts)).toBe(1);
      expect(await store.acquire(a, lease(), 1, HOUR_MS, now(), opts)).toEqual({ acquired: true, held: 1 });
      expect(await store.release(id, opts)).toEqual([]);
    });

    it('answers no partition for a lease it does not know, and changes nothing', async () => {
      const { store, now } = harness();
      const p = fresh();
      await store.acquire(p, lease(), 2, HOUR_MS, now(), opts);
      expect(await store.release(lease(), opts)).toEqual([]);
      expect(await store.held(p, now(), opts)).toBe(1);
    });

    it('keeps partitions apart', async () => {
      const { store, now } = harness();
      const p = fresh('rule-a');
      await store.acquire(p, lease(), 1, HOUR_MS, now(), opts);
      expect(await store.acquire(p, lease(), 1, HOUR_MS, now(), opts)).toMatchObject({ acquired: false, held: 1 });
      expect(await store.acquire({ caller: p.caller, api: 'rule-b' }, lease(), 1, HOUR_MS, now(), opts)).toEqual({ acquired: true, held: 1 });
      expect(await store.acquire({ caller: `${p.caller}x`, api: 'rule-a' }, lease(), 1, HOUR_MS, now(), opts)).toEqual({ acquired: true, held: 1 });
      expect(await store.held(p, now(), opts)).toBe(1);
    });

    it('stops counting a slot once its lease time has passed', async () => {
      const { store, now, elapse } = harness();
      const p = fresh();
      await store.acquire(p, lease(), 1, 2_000, now(), opts);
      await store.acquire(p, lease(), 1, HOUR_MS, now(), opts);
      expect(await store.held(p, now(), opts)).toBe(1);
      await elapse(2_500);
      expect(await store.held(p, now(), opts)).toBe(0);
      expect(await store.acquire(p, lease(), 1, HOUR_MS, now(), opts)).toEqual({ acquired: true, held: 1 });
      expect(await store.held(p, now(), opts)).toBe(1);
    });

    it('admits exactly max of 20 simultaneous acquires in one partition', async () => {
      const { store, now } = harness();
      const p = fresh();
      const results = await Promise.all(Array.from({ length: 20 }, () => store.acquire(p, lease(), 3, HOUR_MS, now(), opts)));
      expect(results.filter((r) => r.acquired)).toHaveLength(3);
      expect(results.filter((r) => !r.acquired)).toMatchObject(Array.from({ length: 17 }, () => ({ acquired: false, held: 3 })));
      expect(await store.held(p, now(), opts)).toBe(3);
    });
  });
}
