/**
 * Two fast limiters (two instances, two clients) on one partition of real Cassandra, each syncing
 * every 50 ms on its own aligned timer (jobs/sync-fast-counts.ts), both paced at r per second for
 * a few windows of 1 s with a limit of 100. Asserts the bound with T and L as measured during the
 * run (the largest gap between one instance's syncs, the longest sync), never a timing; prints the
 * excess it measured.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { Target } from '../../src/engine/admit.js';
import { windowStart } from '../../src/engine/fixed-window.js';
import { createFastLimiter, type FastLimiter } from '../../src/engine/limiters/fast-limiter.js';
import { startFastCountSync } from '../../src/jobs/sync-fast-counts.js';
import { DEFAULT_ERROR, type Rule } from '../../src/rules/rule.js';
import { CassandraFastCountStore } from '../../src/store/cassandra/cassandra-fast-count-store.js';
import { testDomainOptions, uniqueId, useTestClient } from '../support/cassandra.js';

const LIMIT = 100;
const WINDOW_MS = 1_000;
const SYNC_MS = 50;
/** Each instance tries once per PACE_MS of the clock at most: r = 1000 / PACE_MS per second. */
const PACE_MS = 4;
const WINDOWS = 4;

function fastRule(id: string): Rule {
  return {
    id,
    kind: 'window',
    source: 'test',
    match: { methods: '*', path: '/v1/sip' },
    key: [{ source: 'global', label: 'global' }],
    limits: [{ count: LIMIT, windowMs: WINDOW_MS, window: '1s' }],
    action: { kind: 'reject' },
    consistency: 'fast',
    error: DEFAULT_ERROR,
    onMissingKey: 'skip',
    onStoreError: 'local',
    mode: 'enforce',
    allow: { exact: new Set(), prefixes: [] },
    deny: { exact: new Set(), prefixes: [] },
    definition: {},
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const client = useTestClient();

describe('fast limiter on Cassandra', () => {
  // A second connection: a second instance of the service.
  const second = useTestClient();

  it('admits per window at most limit + (N - 1) * r * 2 (T + L), two instances hammering one partition', async () => {
    const errors: unknown[] = [];
    const limiters = [client(), second()].map((c, i) =>
      createFastLimiter({ store: new CassandraFastCountStore(c, testDomainOptions()), instanceId: `fast-${i}`, clock: systemClock, syncIntervalMs: SYNC_MS, onSyncError: (e) => errors.push(e) }),
    );
    // Every sync's start and end, per instance, to measure T and L as they were.
    const syncs: Array<Array<[number, number]>> = limiters.map(() => []);
    const measured = (limiter: FastLimiter, i: number) => ({
      async sync() {
        const start = systemClock();
        await limiter.sync();
        syncs[i]!.push([start, systemClock()]);
      },
    });
    const timers = limiters.map((l, i) => startFastCountSync([measured(l, i)], { intervalMs: SYNC_MS, clock: systemClock }));

    const rule = fastRule(uniqueId('fast'));
    const target: Target = { rule, partition: { caller: uniqueId('acct'), api: rule.id } };
    // Start half a window before a boundary, so that WINDOWS whole windows follow.
    const first = windowStart(systemClock(), WINDOW_MS) + WINDOW_MS;
    await sleep(first - WINDOW_MS / 2 - systemClock());
    const end = first + WINDOWS * WINDOW_MS;
    const admittedAt: number[] = [];
    const hammer = async (limiter: FastLimiter) => {
      let last = -Infinity;
      while (systemClock() < end) {
        const nowMs = systemClock();
        if (nowMs - last >= PACE_MS) {
          last = nowMs;
          if ((await limiter.take({ targets: [target], nowMs, leaseId: 'unused' })).admitted) admittedAt.push(nowMs);
        }
        await sleep(1);
      }
    };
    await Promise.all(limiters.map(hammer));
    await Promise.all(timers.map((t) => t.stop()));

    // T and L over the syncs that served the measured windows (the first ones also prepare statements).
    const serving = syncs.map((s) => s.filter(([start]) => start >= first - 2 * SYNC_MS));
    const T = Math.max(...serving.flatMap((s) => s.slice(1).map(([start], k) => start - s[k]![0])));
    const durations = serving.flat().map(([start, stop]) => stop - start).sort((a, b) => a - b);
    const L = durations.at(-1)!;
    const r = 1_000 / PACE_MS;
    const N = limiters.length;
    const worst = LIMIT + (N - 1) * r * (2 * (T + L)) / 1_000;
    const aligned = LIMIT + (N - 1) * r * (T + L) / 1_000;
    const perWindow = Array.from({ length: WINDOWS }, (_, k) => admittedAt.filter((t) => windowStart(t, WINDOW_MS) === first + k * WINDOW_MS).length);
    console.log(
      `fast limiter on Cassandra: admitted per window ${perWindow.join(', ')}; excess over ${LIMIT}: ${perWindow.map((n) => n - LIMIT).join(', ')}; ` +
        `measured T <= ${T} ms, L <= ${L} ms (median ${durations[durations.length >> 1]} ms), r = ${r}/s: aligned bound ${aligned.toFixed(1)}, worst-case bound ${worst.toFixed(1)}, ceiling ${N * LIMIT}; ` +
        `syncs ${limiters.map((l) => l.stats().syncs).join('+')}, failures ${errors.length}`,
    );
    expect(errors).toEqual([]);
    for (const n of perWindow) {
      expect(n).toBeLessThanOrEqual(worst);
      expect(n).toBeLessThanOrEqual(N * LIMIT);
    }
  });
});
