/**
 * pruneCalls: removes the calls no rule in force still needs, before their TTL would.
 * - A rule that no longer exists (deleted, or renamed: a new id starts counting afresh): each of
 *   its partitions is removed whole (one partition tombstone), and its registry with it.
 * - A rule whose longest window was shortened: the calls older than the new window plus a margin
 *   are removed (one range tombstone per partition, older than anything a decision reads).
 * A lengthened window removes nothing (calls already expired by TTL cannot come back).
 *
 * It finds partitions through the registry the decision path keeps (never a table scan), so its
 * cost follows what it removes. What it last saw of each rule is a record moved by
 * compare-and-set before the work: a second run finds nothing to do, and of two instances
 * running at once only one works on a rule (the other skips it), so nothing is counted twice.
 * A rule first seen is only recorded. With dryRun it claims and removes nothing.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { CallLogMaintenance } from '../engine/call-log-maintenance.js';
import { REGISTRY_SLACK_MS } from '../engine/call-log-maintenance.js';
import { readPlan, TTL_MARGIN_SECONDS } from '../engine/decide.js';
import type { Rule } from '../rules/rule.js';
import { formatDuration } from '../rules/duration.js';

/** Calls this much older than a shortened window are removed (clock skew between instances, decisions in flight). */
export const PRUNE_MARGIN_MS = 10 * 60_000;

export interface PrunedRule {
  rule: string;
  reason: 'deleted' | 'shortened';
  /** The longest window before and after ("24h" -> "1h"); `to` absent for a deleted rule. */
  from: string;
  to?: string;
  partitions: number;
  calls: number;
}

export interface PruneReport {
  dryRun: boolean;
  tookMs: number;
  pruned: PrunedRule[];
  /** Rules seen for the first time (recorded, nothing removed). */
  recorded: string[];
}

export interface PruneDeps {
  maintenance: CallLogMaintenance;
  /** The rules in force now. */
  rules: () => readonly Rule[];
  clock: Clock;
  dryRun?: boolean;
  /** Told after each partition, for progress on a terminal. */
  onPartition?: (rule: string, partitions: number) => void;
}

export async function pruneCalls(deps: PruneDeps): Promise<PruneReport> {
  const started = performance.now();
  const { maintenance: m, clock } = deps;
  const dryRun = deps.dryRun ?? false;
  const now = clock();
  const records = new Map((await m.records()).map((r) => [r.api, r.windowMs]));
  // Concurrent rules write no calls (their slots expire by lease), so only window rules are pruned.
  const inForce = new Map(deps.rules().filter((rule) => rule.limits.length > 0).map((rule) => [rule.id, readPlan(rule.limits).windowMs]));
  const report: PruneReport = { dryRun, tookMs: 0, pruned: [], recorded: [] };
  /** Registry days that can still point at rows of a rule whose longest window was `windowMs`. */
  const since = (windowMs: number) => now - windowMs - TTL_MARGIN_SECONDS * 1000 - REGISTRY_SLACK_MS;

  async function sweep(rule: string, reason: PrunedRule['reason'], oldMs: number, newMs?: number): Promise<void> {
    const entry: PrunedRule = { rule, reason, from: formatDuration(oldMs), ...(newMs === undefined ? {} : { to: formatDuration(newMs) }), partitions: 0, calls: 0 };
    const cutoff = newMs === undefined ? undefined : now - newMs - PRUNE_MARGIN_MS;
    // A partition active on several days is registered once per day: visit it once.
    const seen = new Set<string>();
    for await (const caller of m.callers(rule, since(oldMs), now)) {
      if (seen.has(caller)) continue;
      seen.add(caller);
      const partition = { caller, api: rule };
      const calls = await m.countCalls(partition, cutoff);
      if (calls === 0 && cutoff !== undefined) continue;
      if (!dryRun) await m.removeCalls(partition, cutoff);
      entry.partitions++;
      entry.calls += calls;
      deps.onPartition?.(rule, entry.partitions);
    }
    if (reason === 'deleted' && !dryRun) await m.forgetRule(rule, since(oldMs), now);
    if (entry.partitions > 0 || reason === 'deleted') report.pruned.push(entry);
  }

  for (const [rule, windowMs] of inForce) {
    const old = records.get(rule);
    if (old === windowMs) continue;
    if (old === undefined) {
      if (dryRun || (await m.claim(rule, undefined, windowMs))) report.recorded.push(rule);
      continue;
    }
    if (!dryRun && !(await m.claim(rule, old, windowMs))) continue;
    if (windowMs < old) await sweep(rule, 'shortened', old, windowMs);
  }
  for (const [rule, old] of records) {
    if (inForce.has(rule)) continue;
    if (!dryRun && !(await m.claim(rule, old, undefined))) continue;
    await sweep(rule, 'deleted', old);
  }
  report.tookMs = Math.round(performance.now() - started);
  return report;
}

/** The report for people: one line per rule pruned, and the totals. */
export function describePrune(report: PruneReport): string[] {
  const verb = report.dryRun ? 'would remove' : 'removed';
  const lines = report.pruned.map((p) => `${p.rule} (${p.reason === 'deleted' ? `deleted, window ${p.from}` : `window ${p.from} -> ${p.to}`}): ${verb} ${p.calls} calls in ${p.partitions} partitions`);
  if (report.recorded.length > 0) lines.push(`${report.dryRun ? 'would record' : 'recorded'} ${report.recorded.length} rules seen for the first time (nothing to remove for them)`);
  const calls = report.pruned.reduce((sum, p) => sum + p.calls, 0);
  lines.push(`${verb} ${calls} calls of ${report.pruned.length} rules in ${report.tookMs} ms`);
  return lines;
}

/** The scheduled form: one run, its report in the log (quiet when there was nothing to do). */
export async function pruneAndLog(stores: { maintenance: CallLogMaintenance }, rules: () => readonly Rule[], clock: Clock, logger: Logger): Promise<void> {
  const report = await pruneCalls({ maintenance: stores.maintenance, rules, clock });
  if (report.pruned.length === 0 && report.recorded.length === 0) return;
  const calls = report.pruned.reduce((sum, p) => sum + p.calls, 0);
  const partitions = report.pruned.reduce((sum, p) => sum + p.partitions, 0);
  logger.info({ ...report, calls, partitions }, `prune: removed ${calls} calls in ${partitions} partitions of ${report.pruned.length} rules in ${report.tookMs} ms`);
}
