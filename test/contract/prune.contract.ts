/**
 * The prune job against each store (memory, Cassandra): what it removes, that a second run
 * removes nothing, that a dry run removes nothing, and that two runs at once neither conflict
 * nor count anything twice. Each case gets a store no other case has used.
 */
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../src/clock.js';
import type { CallLog } from '../../src/engine/call-log.js';
import type { CallLogMaintenance } from '../../src/engine/call-log-maintenance.js';
import { pruneCalls } from '../../src/jobs/prune-calls.js';
import { testRule } from '../support/rules.js';

export interface PruneHarness {
  log: CallLog;
  maintenance: CallLogMaintenance;
  clock: Clock;
}

const HOUR = 3_600_000;
const opts = { timeoutMs: 10_000 };

export function pruneContract(name: string, fresh: () => Promise<PruneHarness>): void {
  describe(`pruneCalls on ${name}`, () => {
    /** Calls at the given ages (ms before now) in a partition of `rule`, one append each. */
    async function seed(h: PruneHarness, rule: string, caller: string, agesMs: number[]): Promise<void> {
      const now = h.clock();
      let version = 0;
      for (const age of [...agesMs].sort((a, b) => b - a)) {
        const result = await h.log.append({ caller, api: rule }, version++, now - age, 26 * 3600, opts);
        expect(result.applied).toBe(true);
      }
    }
    const remaining = async (h: PruneHarness, rule: string, caller: string) => h.maintenance.countCalls({ caller, api: rule });

    it('records rules it sees first, then removes the partitions of a deleted rule, and only those', async () => {
      const h = await fresh();
      const [keep, gone] = [testRule('keep', [[100, '24h']]), testRule('gone', [[100, '24h']])];
      await seed(h, 'keep', 'a', [HOUR]);
      await seed(h, 'gone', 'a', [HOUR, 2 * HOUR]);
      await seed(h, 'gone', 'b', [HOUR]);
      const first = await pruneCalls({ maintenance: h.maintenance, rules: () => [keep, gone], clock: h.clock });
      expect(first.pruned).toEqual([]);
      expect(first.recorded.sort()).toEqual(['gone', 'keep']);
      const second = await pruneCalls({ maintenance: h.maintenance, rules: () => [keep], clock: h.clock });
      expect(second.pruned).toEqual([{ rule: 'gone', reason: 'deleted', from: '1d', partitions: 2, calls: 3 }]);
      expect([await remaining(h, 'gone', 'a'), await remaining(h, 'gone', 'b'), await remaining(h, 'keep', 'a')]).toEqual([0, 0, 1]);
      const third = await pruneCalls({ maintenance: h.maintenance, rules: () => [keep], clock: h.clock });
      expect(third).toMatchObject({ pruned: [], recorded: [] });
    });

    it('removes calls older than a shortened window plus the margin, and keeps the rest', async () => {
      const h = await fresh();
      await seed(h, 'short', 'a', [10 * 60_000, 50 * 60_000, 3 * HOUR, 20 * HOUR]);
      await pruneCalls({ maintenance: h.maintenance, rules: () => [testRule('short', [[100, '24h']])], clock: h.clock });
      const report = await pruneCalls({ maintenance: h.maintenance, rules: () => [testRule('short', [[100, '1h']])], clock: h.clock });
      expect(report.pruned).toEqual([{ rule: 'short', reason: 'shortened', from: '1d', to: '1h', partitions: 1, calls: 2 }]);
      expect(await remaining(h, 'short', 'a')).toBe(2);
      expect((await pruneCalls({ maintenance: h.maintenance, rules: () => [testRule('short', [[100, '1h']])], clock: h.clock })).pruned).toEqual([]);
    });

    it('removes nothing on a dry run, but says what it would', async () => {
      const h = await fresh();
      await seed(h, 'dry', 'a', [HOUR]);
      await pruneCalls({ maintenance: h.maintenance, rules: () => [testRule('dry', [[100, '24h']])], clock: h.clock });
      const report = await pruneCalls({ maintenance: h.maintenance, rules: () => [], clock: h.clock, dryRun: true });
      expect(report).toMatchObject({ dryRun: true, pruned: [{ rule: 'dry', reason: 'deleted', partitions: 1, calls: 1 }] });
      expect(await remaining(h, 'dry', 'a')).toBe(1);
      // The record is untouched too: the real run still finds the work.
      expect((await pruneCalls({ maintenance: h.maintenance, rules: () => [], clock: h.clock })).pruned).toHaveLength(1);
    });

    it('lets two runs at once share the work without counting anything twice', async () => {
      const h = await fresh();
      const rules = ['x1', 'x2', 'x3'].map((id) => testRule(id, [[100, '24h']]));
      for (const rule of rules) await seed(h, rule.id, 'a', [HOUR]);
      await pruneCalls({ maintenance: h.maintenance, rules: () => rules, clock: h.clock });
      const reports = await Promise.all([1, 2].map(() => pruneCalls({ maintenance: h.maintenance, rules: () => [], clock: h.clock })));
      const pruned = reports.flatMap((r) => r.pruned);
      expect(pruned.map((p) => p.rule).sort()).toEqual(['x1', 'x2', 'x3']);
      expect(pruned.reduce((sum, p) => sum + p.calls, 0)).toBe(3);
    });
  });
}
