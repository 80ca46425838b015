/**
 * reportHeavyHitters: the top k callers of a rule over a window, across every instance. Reads the
 * published summaries of the window's buckets, puts this instance's live ones in place of its own
 * published copies (so its own traffic shows at once, not after the next publish), and merges
 * each side with mergeSummaries, so every count comes with its error bound.
 */
import type { BucketSummary, HeavyHitterSide, HeavyHitterStore } from './heavy-hitter-store.js';
import type { HeavyHitterTracker } from './heavy-hitter-tracker.js';
import { bucketsCovering, type HeavyHitterWindow } from './heavy-hitter-windows.js';
import { mergeSummaries } from './merge-summaries.js';
import type { Counter } from './space-saving.js';

export interface HeavyHitterQuery {
  rule: string;
  window: HeavyHitterWindow;
  k: number;
}

/** One heavy hitter: count is an upper bound, count - error a guaranteed lower bound. */
export interface HeavyHitter {
  caller: string;
  count: number;
  error: number;
  /** The normalised key (TOP_K_SHOW_KEYS on). */
  key?: string;
}

export interface HeavyHitterReport {
  rule: string;
  window: HeavyHitterWindow;
  k: number;
  generatedAt: string;
  /** Instances whose summaries were merged. */
  instances: number;
  refused: HeavyHitter[];
  admitted: HeavyHitter[];
}

export interface ReportDeps {
  store: HeavyHitterStore;
  tracker: HeavyHitterTracker;
  /** Whether normalised keys may be shown (TOP_K_SHOW_KEYS); without it none is, whatever is stored. */
  showKeys: boolean;
}

export async function reportHeavyHitters(deps: ReportDeps, query: HeavyHitterQuery, nowMs: number): Promise<HeavyHitterReport> {
  const buckets = bucketsCovering(query.window, nowMs);
  const first = buckets[0]!;
  const live = deps.tracker.live(query.rule, query.window).filter((s) => s.bucketStartMs >= first);
  const held = new Set(live.map(slotOf));
  const stored = await deps.store.read(query.rule, query.window, buckets);
  const summaries = [...stored.filter((s) => !(s.instance === deps.tracker.instanceId && held.has(slotOf(s)))), ...live];
  const side = (name: HeavyHitterSide) => mergeSummaries(summaries.filter((s) => s.side === name), query.k).top.map((c) => shown(c, deps.showKeys));
  return {
    rule: query.rule,
    window: query.window,
    k: query.k,
    generatedAt: new Date(nowMs).toISOString(),
    instances: new Set(summaries.map((s) => s.instance)).size,
    refused: side('refused'),
    admitted: side('admitted'),
  };
}

const slotOf = (s: BucketSummary) => `${s.bucketStartMs} ${s.side}`;

function shown(counter: Counter, showKeys: boolean): HeavyHitter {
  const { caller, count, error, key } = counter;
  return showKeys && key !== undefined ? { caller, count, error, key } : { caller, count, error };
}
