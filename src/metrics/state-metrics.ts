/**
 * The metrics that are readings of state other modules keep (the partition cache's lookups and
 * size, the rules' reloads and version): read when Prometheus scrapes, in each metric's collect()
 * callback, so the engine keeps plain numbers and imports nothing of prom-client, and nothing is
 * counted twice.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

/** What the partition cache (engine/partition-cache.ts) tells. */
export interface CacheReading {
  readonly hits: number;
  readonly misses: number;
  readonly size: number;
}

/** The rule set in force and its reloads since start (engine/rules-in-force.ts status()). */
export interface RuleSetReading {
  version: string;
  reloads: { ok: number; failed: number };
}

export interface StateSources {
  cache: CacheReading;
  ruleSet: () => RuleSetReading;
}

/** Sets a counter to running totals kept elsewhere (they only grow), at every scrape. */
export function totalsOf<L extends string>(counter: Counter<L>, totals: ReadonlyArray<readonly [Partial<Record<L, string>>, number]>): void {
  counter.reset();
  for (const [labels, total] of totals) counter.inc(labels, total);
}

export function registerStateMetrics(registry: Registry, sources: StateSources): void {
  const registers = [registry];
  new Counter({
    name: 'tollgate_partition_cache_hits_total',
    help: 'Partition cache lookups that found the partition\'s last known state (a denial or an admission without a read).',
    registers,
    collect() {
      totalsOf(this, [[{}, sources.cache.hits]]);
    },
  });
  new Counter({
    name: 'tollgate_partition_cache_misses_total',
    help: 'Partition cache lookups that found nothing, or only an expired entry.',
    registers,
    collect() {
      totalsOf(this, [[{}, sources.cache.misses]]);
    },
  });
  new Gauge({
    name: 'tollgate_partition_cache_entries',
    help: 'Partitions whose last known state this instance holds (bounded by PARTITION_CACHE_ENTRIES).',
    registers,
    collect() {
      this.set(sources.cache.size);
    },
  });
  new Counter({
    name: 'tollgate_rule_reloads_total',
    help: 'Rule reloads since start by result: ok (validated and in force, changed or not) or failed (the last good rules stayed).',
    labelNames: ['result'],
    registers,
    collect() {
      const { reloads } = sources.ruleSet();
      totalsOf(this, [[{ result: 'ok' }, reloads.ok], [{ result: 'failed' }, reloads.failed]]);
    },
  });
  new Gauge({
    name: 'tollgate_rule_set_info',
    help: 'The version (content hash) of the rule set in force: one series, valued 1.',
    labelNames: ['version'],
    registers,
    collect() {
      // Reset first: only the current version is reported, so the series stay one however often the rules change.
      this.reset();
      this.set({ version: sources.ruleSet().version }, 1);
    },
  });
}
