/**
 * The fast mode's metrics (engine/limiters/fast-limiter.ts): how long each sync took, and what
 * the limiter holds. They are the terms of its documented bound, so an operator can check it
 * from outside: the sync's duration is its L (the bound is limit + (N - 1) * r * (T + L)), a
 * failed sync lets D grow until one succeeds, and an eviction forgets a partition's local count
 * (maxPartitions set too low for the partitions active in a window).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { totalsOf } from './state-metrics.js';

/** What the fast limiter holds now, and its running totals (FastLimiter.stats()). */
export interface FastLimiterReading {
  partitions: number;
  windows: number;
  evictions: number;
}

/** A sync is a publish and a read: a few ms on a healthy node, up to the 1 s store timeout. */
const SYNC_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** Registers the fast mode's metrics; answers the observer of each sync's duration and result. */
export function registerFastSyncMetrics(registry: Registry, fast: () => FastLimiterReading): (seconds: number, ok: boolean) => void {
  const registers = [registry];
  const syncSeconds = new Histogram({
    name: 'tollgate_fast_sync_seconds',
    help: 'Duration of each fast-mode sync (publish this instance\'s counts, read the others\'), by result (ok, failed): the L of the fast mode\'s bound; failed syncs leave the others\' counts as last read.',
    labelNames: ['result'],
    buckets: SYNC_BUCKETS_SECONDS,
    registers,
  });
  new Gauge({
    name: 'tollgate_fast_windows',
    help: 'Fast-mode windows this instance counts in now (one per partition and window length).',
    registers,
    collect() {
      this.set(fast().windows);
    },
  });
  new Gauge({
    name: 'tollgate_fast_partitions',
    help: 'Fast-mode partitions (rule and caller) this instance counts for now.',
    registers,
    collect() {
      this.set(fast().partitions);
    },
  });
  new Counter({
    name: 'tollgate_fast_evictions_total',
    help: 'Fast-mode partitions forgotten to stay within the limiter\'s bound on partitions (their unpublished local counts with them).',
    registers,
    collect() {
      totalsOf(this, [[{}, fast().evictions]]);
    },
  });
  // Both series from the first scrape on, at 0.
  for (const result of ['ok', 'failed']) syncSeconds.zero({ result });
  return (seconds, ok) => syncSeconds.observe({ result: ok ? 'ok' : 'failed' }, seconds);
}
