/**
 * The StateStore contract: every implementation (memory, Cassandra) runs these same cases. Time
 * is the harness's: `elapse` moves a manual clock for memory and waits in real time for
 * Cassandra, whose rows expire by TTL.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PartitionKey } from '../../src/engine/call-log.js';
import type { StateStore } from '../../src/engine/state-store.js';

export interface StateStoreHarness {
  store: StateStore;
  elapse(ms: number): Promise<void>;
}

const opts = { timeoutMs: 5_000 };
const HOUR_S = 3_600;
const fresh = (api = 'bucket'): PartitionKey => ({ caller: `c-${randomUUID()}`, api });

export function stateStoreContract(name: string, harness: () => StateStoreHarness): void {
  describe(`${name} honours the StateStore contract`, () => {
    it('reads a partition never written as version 0 with no state', async () => {
      const { store } = harness();
      expect(await store.read(fresh(), opts)).toEqual({ version: 0, state: undefined });
    });

    it('writes at version 0, then at 1, moving the version on by one each time', async () => {
      const { store } = harness();
      const p = fresh();
      expect(await store.write(p, 0, '{"tokens":9}', HOUR_S, opts)).toBe(true);
      expect(await store.read(p, opts)).toEqual({ version: 1, state: '{"tokens":9}' });
      expect(await store.write(p, 1, '{"tokens":8}', HOUR_S, opts)).toBe(true);
      expect(await store.read(p, opts)).toEqual({ version: 2, state: '{"tokens":8}' });
    });

    it('refuses a write at a stale version and leaves the state as it was', async () => {
      const { store } = harness();
      const p = fresh();
      await store.write(p, 0, 'a', HOUR_S, opts);
      await store.write(p, 1, 'b', HOUR_S, opts);
      expect(await store.write(p, 1, 'stale', HOUR_S, opts)).toBe(false);
      expect(await store.write(p, 0, 'as if new', HOUR_S, opts)).toBe(false);
      expect(await store.write(p, 7, 'ahead', HOUR_S, opts)).toBe(false);
      expect(await store.read(p, opts)).toEqual({ version: 2, state: 'b' });
    });

    it('refuses a write at a version a new partition does not have', async () => {
      const { store } = harness();
      const p = fresh();
      expect(await store.write(p, 3, 'x', HOUR_S, opts)).toBe(false);
      expect(await store.read(p, opts)).toEqual({ version: 0, state: undefined });
    });

    it('keeps partitions apart (other rule, other caller)', async () => {
      const { store } = harness();
      const p = fresh('rule-a');
      const sameCallerOtherRule = { caller: p.caller, api: 'rule-b' };
      const otherCallerSameRule = { caller: `${p.caller}x`, api: 'rule-a' };
      await store.write(p, 0, 'a1', HOUR_S, opts);
      await store.write(p, 1, 'a2', HOUR_S, opts);
      expect(await store.read(sameCallerOtherRule, opts)).toEqual({ version: 0, state: undefined });
      expect(await store.write(otherCallerSameRule, 0, 'other', HOUR_S, opts)).toBe(true);
      expect(await store.read(otherCallerSameRule, opts)).toEqual({ version: 1, state: 'other' });
      expect(await store.read(p, opts)).toEqual({ version: 2, state: 'a2' });
    });

    it('lets a row expire whole after its TTL, from its last write; the partition is then new again', async () => {
      const { store, elapse } = harness();
      const shortLived = fresh();
      const rewritten = fresh();
      await store.write(shortLived, 0, 's', 1, opts);
      await store.write(rewritten, 0, 'r1', 1, opts);
      await store.write(rewritten, 1, 'r2', HOUR_S, opts);
      await elapse(2_200);
      expect(await store.read(shortLived, opts)).toEqual({ version: 0, state: undefined });
      expect(await store.read(rewritten, opts)).toEqual({ version: 2, state: 'r2' });
      expect(await store.write(shortLived, 1, 'stale', HOUR_S, opts)).toBe(false);
      expect(await store.write(shortLived, 0, 'again', HOUR_S, opts)).toBe(true);
      expect(await store.read(shortLived, opts)).toEqual({ version: 1, state: 'again' });
    });

    it('lands exactly one of 20 simultaneous writes at the same version', async () => {
      const { store } = harness();
      const p = fresh();
      await store.write(p, 0, 'start', HOUR_S, opts);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.write(p, 1, `w${i}`, HOUR_S, opts)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await store.read(p, opts)).toEqual({ version: 2, state: `w${winner}` });
    });

    it('lands exactly one of 20 simultaneous first writes to a new partition', async () => {
      const { store } = harness();
      const p = fresh();
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.write(p, 0, `w${i}`, HOUR_S, opts)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.read(p, opts)).toEqual({ version: 1, state: `w${results.indexOf(true)}` });
    });
  });
}
