/**
 * The CallLog contract: every implementation (memory, Cassandra) runs these same cases.
 * `elapse` moves time for TTLs: a manual clock for memory, real waiting for Cassandra.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CallLog, PartitionKey } from '../../src/engine/call-log.js';

export interface CallLogHarness {
  log: CallLog;
  elapse(ms: number): Promise<void>;
}

const T0 = 1_800_000_000_000;
const opts = { timeoutMs: 5_000 };
const fresh = (api = 'contract'): PartitionKey => ({ caller: `c-${randomUUID()}`, api });

export function callLogContract(name: string, harness: () => CallLogHarness): void {
  describe(`${name} honours the CallLog contract`, () => {
    it('reads an unknown partition as version 0 with no calls', async () => {
      const { log } = harness();
      expect(await log.read(fresh(), 0, 10, opts)).toEqual({ version: 0, callsMs: [] });
    });

    it('appends on the expected version and moves it on by one', async () => {
      const { log } = harness();
      const p = fresh();
      const first = await log.append(p, 0, T0, 3_600, opts);
      expect(first.applied).toBe(true);
      expect(await log.read(p, 0, 10, opts)).toEqual({ version: 1, callsMs: [T0] });
      expect((await log.append(p, 1, T0 + 5, 3_600, opts)).applied).toBe(true);
      expect(await log.read(p, 0, 10, opts)).toEqual({ version: 2, callsMs: [T0 + 5, T0] });
    });

    it('refuses an append on a stale version and writes nothing', async () => {
      const { log } = harness();
      const p = fresh();
      await log.append(p, 0, T0, 3_600, opts);
      expect(await log.append(p, 0, T0 + 1, 3_600, opts)).toEqual({ applied: false });
      expect(await log.append(p, 7, T0 + 1, 3_600, opts)).toEqual({ applied: false });
      expect(await log.read(p, 0, 10, opts)).toEqual({ version: 1, callsMs: [T0] });
    });

    it('reads newest first, at most `limit`, and nothing at or before `sinceMs` (the window edge)', async () => {
      const { log } = harness();
      const p = fresh();
      for (let i = 0; i < 6; i++) await log.append(p, i, T0 + i * 1_000, 3_600, opts);
      expect((await log.read(p, 0, 10, opts)).callsMs).toEqual([5, 4, 3, 2, 1, 0].map((i) => T0 + i * 1_000));
      expect((await log.read(p, 0, 3, opts)).callsMs).toEqual([T0 + 5_000, T0 + 4_000, T0 + 3_000]);
      expect((await log.read(p, T0 + 2_000, 10, opts)).callsMs).toEqual([T0 + 5_000, T0 + 4_000, T0 + 3_000]);
      expect((await log.read(p, T0 + 1_999, 10, opts)).callsMs).toEqual([T0 + 5_000, T0 + 4_000, T0 + 3_000, T0 + 2_000]);
      expect(await log.read(p, T0 + 5_000, 10, opts)).toEqual({ version: 6, callsMs: [] });
    });

    it('keeps two calls made in the same millisecond', async () => {
      const { log } = harness();
      const p = fresh();
      await log.append(p, 0, T0, 3_600, opts);
      await log.append(p, 1, T0, 3_600, opts);
      expect((await log.read(p, 0, 10, opts)).callsMs).toEqual([T0, T0]);
    });

    it('keeps callers and rules apart', async () => {
      const { log } = harness();
      const p = fresh('rule-a');
      await log.append(p, 0, T0, 3_600, opts);
      expect(await log.read({ caller: p.caller, api: 'rule-b' }, 0, 10, opts)).toEqual({ version: 0, callsMs: [] });
      expect(await log.read({ caller: `${p.caller}x`, api: 'rule-a' }, 0, 10, opts)).toEqual({ version: 0, callsMs: [] });
    });

    it('lets exactly one of 20 simultaneous appends on one version land', async () => {
      const { log } = harness();
      const p = fresh();
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => log.append(p, 0, T0 + i, 3_600, opts)));
      expect(results.filter((r) => r.applied)).toHaveLength(1);
      const state = await log.read(p, 0, 100, opts);
      expect(state.version).toBe(1);
      expect(state.callsMs).toHaveLength(1);
    });

    it('appends several calls with one compare-and-set: all land, the version moves on by one', async () => {
      const { log } = harness();
      const p = fresh();
      await log.append(p, 0, T0, 3_600, opts);
      const result = await log.appendMany(p, 1, [T0 + 1, T0 + 2, T0 + 2], 3_600, opts);
      if (!result.applied) throw new Error('appendMany refused');
      expect(new Set(result.callIds).size).toBe(3);
      expect(await log.read(p, 0, 10, opts)).toEqual({ version: 2, callsMs: [T0 + 2, T0 + 2, T0 + 1, T0] });
      // Each call id names one call: removing the middle one leaves the others.
      await log.remove(p, result.callIds[0]!, 3_600, opts);
      expect((await log.read(p, 0, 10, opts)).callsMs).toEqual([T0 + 2, T0 + 2, T0]);
    });

    it('writes none of several calls on a stale version', async () => {
      const { log } = harness();
      const p = fresh();
      await log.append(p, 0, T0, 3_600, opts);
      expect(await log.appendMany(p, 0, [T0 + 1, T0 + 2], 3_600, opts)).toEqual({ applied: false });
      expect(await log.read(p, 0, 10, opts)).toEqual({ version: 1, callsMs: [T0] });
    });

    it('removes a call it appended, moving the version on (a version names one set of calls)', async () => {
      const { log } = harness();
      const p = fresh();
      await log.append(p, 0, T0, 3_600, opts);
      const second = await log.append(p, 1, T0 + 1, 3_600, opts);
      if (!second.applied) throw new Error('append refused');
      await log.remove(p, second.callId, 3_600, opts);
      expect(await log.read(p, 0, 10, opts)).toEqual({ version: 3, callsMs: [T0] });
    });

    it('resets: calls at or before the reset stop counting, later ones stay, the version moves on', async () => {
      const { log } = harness();
      const p = fresh();
      for (let i = 0; i < 3; i++) await log.append(p, i, T0 + i * 1_000, 3_600, opts);
      await log.reset(p, T0 + 1_000, 3_600, opts);
      const state = await log.read(p, 0, 10, opts);
      expect(state.callsMs).toEqual([T0 + 2_000]);
      expect(state.version).toBe(4);
      expect((await log.append(p, 3, T0 + 3_000, 3_600, opts)).applied).toBe(false);
      expect((await log.append(p, 4, T0 + 3_000, 3_600, opts)).applied).toBe(true);
      expect((await log.read(p, 0, 10, opts)).callsMs).toEqual([T0 + 3_000, T0 + 2_000]);
    });

    it('resets a partition nobody has written yet', async () => {
      const { log } = harness();
      const p = fresh();
      await log.reset(p, T0, 3_600, opts);
      expect(await log.read(p, 0, 10, opts)).toEqual({ version: 1, callsMs: [] });
    });

    it('forgets calls and the version once their TTL has passed', async () => {
      const { log, elapse } = harness();
      const p = fresh();
      // Cassandra expires a cell at (write second, truncated) + TTL: a 1 s TTL can be gone within
      // milliseconds (seen in CI), so 2 s, which leaves at least one whole second to read it back.
      await log.append(p, 0, T0, 2, opts);
      expect((await log.read(p, 0, 10, opts)).version).toBe(1);
      await elapse(3_000);
      expect(await log.read(p, 0, 10, opts)).toEqual({ version: 0, callsMs: [] });
      expect((await log.append(p, 0, T0 + 1, 3_600, opts)).applied).toBe(true);
    });
  });
}
