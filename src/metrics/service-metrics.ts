/**
 * ServiceMetrics: every metric of one composed service, in a prom-client Registry of its own.
 * Never the global registry: tests compose many apps in one process, and each must count only
 * its own traffic (a second app would otherwise fail to register the same names).
 *
 * Labels are bounded and carry no personal data: rule ids (bounded by the rule set), route
 * patterns, methods, statuses, outcomes, vias, store operations. Callers are never labelled, not
 * even as their partition hash: one series per caller would grow without bound (heavy hitters
 * have their own bounded view).
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { CallLog } from '../engine/call-log.js';
import { DeadlineExceeded } from '../engine/throttle.js';
import type { DecisionEvent } from '../http/decision-events.js';
import type { HttpObserver } from '../http/http-metrics.js';
import type { MetricsScrape } from '../http/api/metrics-routes.js';
import { decisionOutcome, isNearLimit } from './decision-labels.js';
import { registerFastSyncMetrics, type FastLimiterReading } from './fast-sync-metrics.js';
import { registerStateMetrics, type StateSources } from './state-metrics.js';
import { TimedCallLog } from './timed-call-log.js';
import { PendingCounts } from './pending-counts.js';

export interface ServiceMetricsOptions extends StateSources {
  /** NEAR_LIMIT_SHARE: an admitted decision at or above this share of a limit is near it. */
  nearLimitShare: number;
  /** The fast limiter's state, read at scrape time (FastLimiter.stats()). */
  fast: () => FastLimiterReading;
}

export interface ServiceMetrics {
  /** This service's own registry. */
  readonly registry: Registry;
  /** The exposition text of every metric, as GET /metrics answers it. */
  scrape(): Promise<MetricsScrape>;
  /** Counts throttle decisions (a listener of composed.onDecisions). */
  observeDecisions(events: readonly DecisionEvent[]): void;
  /** The store, timed per operation. */
  timeStore(log: CallLog): CallLog;
  /** Counts one store failure or missed deadline after which onStoreError decided. */
  storeFallback(error: unknown): void;
  /** Counts calls of the local fallback that the write-back job handed to the store. */
  fallbackWrittenBack(calls: number): void;
  /** Counts and times one HTTP request (http/http-metrics.ts). */
  observeHttp: HttpObserver;
  /** Times one fast-mode sync (FastLimiterOptions.onSynced). */
  fastSynced(seconds: number, ok: boolean): void;
}

/** Store calls: sub-millisecond in memory, a few ms for a Cassandra read, tens for a compare-and-set (Paxos). */
const STORE_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const HTTP_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createServiceMetrics(options: ServiceMetricsOptions): ServiceMetrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  registerStateMetrics(registry, options);
  const fastSynced = registerFastSyncMetrics(registry, options.fast);

  // The decision path's counters are counted in plain maps and handed over when read (pending-counts.ts).
  const decisionCounts = new PendingCounts(['rule', 'outcome', 'kind', 'via'] as const);
  const nearLimitCounts = new PendingCounts(['rule'] as const);
  const requestCounts = new PendingCounts(['route', 'method', 'status'] as const);
  new Counter({
    name: 'tollgate_decisions_total',
    help: 'Throttle decisions per rule: outcome admitted, limited, shadow (a shadow rule would have refused), allowed_listed, denied_listed, or fallback (the store did not decide: via local, allow or deny); via is the path that decided.',
    labelNames: ['rule', 'outcome', 'kind', 'via'],
    registers,
    collect() {
      decisionCounts.flushInto(this);
    },
  });
  new Counter({
    name: 'tollgate_near_limit_total',
    help: 'Admitted decisions that left at least NEAR_LIMIT_SHARE of one of the rule\'s window limits used.',
    labelNames: ['rule'],
    registers,
    collect() {
      nearLimitCounts.flushInto(this);
    },
  });
  const storeSeconds = new Histogram({
    name: 'tollgate_store_operation_seconds',
    help: 'Duration of the throttle\'s call-log operations against the store, by operation and outcome (error: failed or timed out).',
    labelNames: ['operation', 'outcome'],
    buckets: STORE_BUCKETS_SECONDS,
    registers,
  });
  const storeFallbacks = new Counter({
    name: 'tollgate_store_fallbacks_total',
    help: 'Throttle decisions the store failed (reason error) or did not answer in THROTTLE_DEADLINE_MS (reason deadline), after which each rule\'s onStoreError decided.',
    labelNames: ['reason'],
    registers,
  });
  const writtenBack = new Counter({
    name: 'tollgate_fallback_written_back_total',
    help: 'Calls admitted by the local fallback during a store outage and handed to the store afterwards.',
    registers,
  });
  new Counter({
    name: 'tollgate_http_requests_total',
    help: 'HTTP requests by route pattern ("unmatched" when no route matched), method and status.',
    labelNames: ['route', 'method', 'status'],
    registers,
    collect() {
      requestCounts.flushInto(this);
    },
  });
  const httpSeconds = new Histogram({
    name: 'tollgate_http_request_seconds',
    help: 'Time from the request reaching the app to the handler\'s answer, by route pattern and method.',
    labelNames: ['route', 'method'],
    buckets: HTTP_BUCKETS_SECONDS,
    registers,
  });
  // Every series a dashboard expects from the first scrape on, at 0, instead of appearing with the first event.
  for (const reason of ['error', 'deadline']) storeFallbacks.inc({ reason }, 0);
  writtenBack.inc(0);

  return {
    registry,
    scrape: async () => ({ contentType: registry.contentType, text: await registry.metrics() }),
    observeDecisions(events) {
      for (const event of events) {
        decisionCounts.count(event.rule, decisionOutcome(event), event.kind, event.via);
        if (isNearLimit(event, options.nearLimitShare)) nearLimitCounts.count(event.rule);
      }
    },
    timeStore: (log) => new TimedCallLog(log, (operation, outcome, seconds) => storeSeconds.observe({ operation, outcome }, seconds)),
    storeFallback(error) {
      storeFallbacks.inc({ reason: error instanceof DeadlineExceeded ? 'deadline' : 'error' });
    },
    fallbackWrittenBack(calls) {
      if (calls > 0) writtenBack.inc(calls);
    },
    observeHttp(route, method, status, seconds) {
      requestCounts.count(route, method, status);
      httpSeconds.observe({ route, method }, seconds);
    },
    fastSynced,
  };
}
