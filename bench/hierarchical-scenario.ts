/**
 * The three-device scenario of a shared (hierarchical) limit, on a simulated clock: one account of
 * 30 requests/s, each device assured 10/s and allowed up to 30/s by borrowing.
 *   phase 1 (10 s): only A, offering 40/s          -> A borrows: about 30/s
 *   phase 2 (10 s): A 40/s, B and C 20/s each      -> A is pushed back: about 10/s each
 *   phase 3 (10 s): B stops                        -> A and C share what B left
 * Requests are evenly spaced; every decision goes through engine/hierarchical-bucket.ts with the
 * state encoded and decoded as the store would keep it (limiters/shared-spec.ts's format). No
 * timing: the same table every run. Run with `npx tsx bench/hierarchical-scenario.ts`;
 * test/unit/engine/hierarchical-bucket.test.ts asserts the same scenario.
 */
import { pathToFileURL } from 'node:url';
import type { SharedLimit } from '../src/rules/rule.js';
import { newSharedState, takeShared, type SharedState } from '../src/engine/hierarchical-bucket.js';

export interface ScenarioPhase {
  name: string;
  durationMs: number;
  /** Requests per second each device offers in this phase (absent or 0: silent). */
  offered: Readonly<Record<string, number>>;
}

export interface PhaseRow {
  phase: string;
  device: string;
  offeredPerSecond: number;
  admittedPerSecond: number;
  /** Admitted by borrowing (beyond the device's share), per second. */
  borrowedPerSecond: number;
}

export interface ScenarioResult {
  rows: PhaseRow[];
  /** The most the account's running total ever exceeded rate * elapsed + burst (<= 0: never). */
  maxExcess: number;
  admittedTotal: number;
}

export const ACCOUNT_LIMIT: SharedLimit = {
  rate: 30,
  perMs: 1_000,
  per: '1s',
  burst: 30,
  member: { source: 'header', name: 'x-device-id', label: 'header.x-device-id' },
  share: 10,
  ceil: 30,
};

export const THREE_DEVICE_PHASES: readonly ScenarioPhase[] = [
  { name: '1: A alone', durationMs: 10_000, offered: { A: 40 } },
  { name: '2: A, B, C', durationMs: 10_000, offered: { A: 40, B: 20, C: 20 } },
  { name: '3: B stops', durationMs: 10_000, offered: { A: 40, C: 20 } },
];

/** Runs the phases back to back from t = 0 and counts what each device got in each phase. */
export function runScenario(limit: SharedLimit, phases: readonly ScenarioPhase[], devices = ['A', 'B', 'C']): ScenarioResult {
  const startMs = 1_800_000_000_000;
  let stored = encode(newSharedState(limit, startMs));
  let phaseStart = startMs;
  let total = 0;
  let maxExcess = -Infinity;
  const rows: PhaseRow[] = [];
  for (const phase of phases) {
    // Evenly spaced arrivals, each device a few ms apart so that no two arrive at once.
    const arrivals: Array<{ atMs: number; device: string }> = [];
    devices.forEach((device, index) => {
      const perSecond = phase.offered[device] ?? 0;
      if (perSecond <= 0) return;
      const gapMs = 1_000 / perSecond;
      for (let at = phaseStart + index * 7; at < phaseStart + phase.durationMs; at += gapMs) arrivals.push({ atMs: at, device });
    });
    arrivals.sort((a, b) => a.atMs - b.atMs);
    const admitted = new Map<string, number>();
    const borrowed = new Map<string, number>();
    for (const { atMs, device } of arrivals) {
      const taken = takeShared(limit, decode(stored), device, 1, atMs);
      if (!taken.allowed) continue;
      stored = encode(taken.next);
      admitted.set(device, (admitted.get(device) ?? 0) + 1);
      if (taken.borrowed) borrowed.set(device, (borrowed.get(device) ?? 0) + 1);
      total += 1;
      maxExcess = Math.max(maxExcess, total - ((atMs - startMs) * limit.rate) / limit.perMs - limit.burst);
    }
    const seconds = phase.durationMs / 1_000;
    for (const device of devices) {
      rows.push({
        phase: phase.name,
        device,
        offeredPerSecond: phase.offered[device] ?? 0,
        admittedPerSecond: (admitted.get(device) ?? 0) / seconds,
        borrowedPerSecond: (borrowed.get(device) ?? 0) / seconds,
      });
    }
    phaseStart += phase.durationMs;
  }
  return { rows, maxExcess, admittedTotal: total };
}

/** As the store keeps it: JSON text (the numbers survive exactly). */
function encode(state: SharedState): string {
  return JSON.stringify(state);
}

function decode(text: string): SharedState {
  return JSON.parse(text) as SharedState;
}

export function formatTable(result: ScenarioResult): string {
  const lines = ['| phase | device | offered/s | admitted/s | of which borrowed/s |', '|---|---|---:|---:|---:|'];
  for (const row of result.rows) {
    lines.push(`| ${row.phase} | ${row.device} | ${row.offeredPerSecond} | ${row.admittedPerSecond.toFixed(1)} | ${row.borrowedPerSecond.toFixed(1)} |`);
  }
  lines.push('', `account total ${result.admittedTotal}; most above rate * elapsed + burst: ${result.maxExcess.toFixed(3)} (<= 0: never above)`);
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const l = ACCOUNT_LIMIT;
  console.log(`shared limit: account ${l.rate}/${l.per} (burst ${l.burst}), each device share ${l.share}, ceil ${l.ceil}\n`);
  console.log(formatTable(runScenario(ACCOUNT_LIMIT, THREE_DEVICE_PHASES)));
}
