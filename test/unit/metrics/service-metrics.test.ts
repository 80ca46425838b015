import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../../src/clock.js';
import { DeadlineExceeded } from '../../../src/engine/throttle.js';
import type { DecisionEvent } from '../../../src/http/decision-events.js';
import { createServiceMetrics } from '../../../src/metrics/service-metrics.js';
import { MemoryCallLog } from '../../../src/store/memory/memory-call-log.js';
import { parseExposition, seriesOf, total } from '../../support/prometheus-text.js';

function setup() {
  const cache = { hits: 0, misses: 0, size: 0 };
  const ruleSet = { version: 'v1', reloads: { ok: 0, failed: 0 } };
  const fast = { partitions: 0, windows: 0, evictions: 0 };
  const metrics = createServiceMetrics({ nearLimitShare: 0.8, cache, ruleSet: () => ruleSet, fast: () => fast });
  const read = async () => parseExposition((await metrics.scrape()).text);
  return { metrics, cache, ruleSet, fast, read };
}

const decision = (rule: string, outcome: DecisionEvent['outcome'], via: DecisionEvent['via'], usedShare?: number): DecisionEvent => ({
  rule,
  outcome,
  kind: 'window',
  via,
  caller: 'hmac-of-the-key',
  ...(usedShare === undefined ? {} : { usedShare }),
});

describe('createServiceMetrics', () => {
  it('counts decisions by rule, outcome, kind and via, and near-limit admissions', async () => {
    const { metrics, read } = setup();
    metrics.observeDecisions([decision('a', 'admitted', 'store', 0.5), decision('b', 'shadow', 'store', 1)]);
    metrics.observeDecisions([decision('a', 'admitted', 'store', 0.8), decision('a', 'limited', 'cache', 1), decision('a', 'admitted', 'local', 1)]);
    const scraped = await read();
    expect(seriesOf(scraped, 'tollgate_decisions_total').map((s) => [s.labels, s.value])).toEqual([
      [{ rule: 'a', outcome: 'admitted', kind: 'window', via: 'store' }, 2],
      [{ rule: 'b', outcome: 'shadow', kind: 'window', via: 'store' }, 1],
      [{ rule: 'a', outcome: 'limited', kind: 'window', via: 'cache' }, 1],
      [{ rule: 'a', outcome: 'fallback', kind: 'window', via: 'local' }, 1],
    ]);
    expect(seriesOf(scraped, 'tollgate_near_limit_total').map((s) => [s.labels, s.value])).toEqual([[{ rule: 'a' }, 2]]);
    expect((await metrics.scrape()).text).not.toContain('hmac-of-the-key');
  });

  it('reads the cache and the rules when scraped, reporting their running totals', async () => {
    const { cache, ruleSet, read } = setup();
    let scraped = await read();
    expect([total(scraped, 'tollgate_partition_cache_hits_total'), total(scraped, 'tollgate_partition_cache_misses_total'), total(scraped, 'tollgate_partition_cache_entries')]).toEqual([0, 0, 0]);
    expect(seriesOf(scraped, 'tollgate_rule_reloads_total').map((s) => [s.labels.result, s.value])).toEqual([['ok', 0], ['failed', 0]]);
    Object.assign(cache, { hits: 7, misses: 3, size: 2 });
    Object.assign(ruleSet, { version: 'v2', reloads: { ok: 4, failed: 1 } });
    scraped = await read();
    expect([total(scraped, 'tollgate_partition_cache_hits_total'), total(scraped, 'tollgate_partition_cache_misses_total'), total(scraped, 'tollgate_partition_cache_entries')]).toEqual([7, 3, 2]);
    expect(seriesOf(scraped, 'tollgate_rule_reloads_total').map((s) => [s.labels.result, s.value])).toEqual([['ok', 4], ['failed', 1]]);
    // Scraping again does not add the totals up a second time.
    scraped = await read();
    expect(total(scraped, 'tollgate_partition_cache_hits_total')).toBe(7);
    expect(total(scraped, 'tollgate_rule_reloads_total', { result: 'ok' })).toBe(4);
  });

  it('times fast-mode syncs by result and reads the fast limiter\'s windows, partitions and evictions when scraped', async () => {
    const { metrics, fast, read } = setup();
    let scraped = await read();
    // Both results from the first scrape on, at 0.
    expect(seriesOf(scraped, 'tollgate_fast_sync_seconds_count').map((s) => [s.labels.result, s.value])).toEqual([['ok', 0], ['failed', 0]]);
    metrics.fastSynced(0.004, true);
    metrics.fastSynced(0.03, true);
    metrics.fastSynced(1.2, false);
    Object.assign(fast, { partitions: 40, windows: 80, evictions: 3 });
    scraped = await read();
    expect(seriesOf(scraped, 'tollgate_fast_sync_seconds_count').map((s) => [s.labels.result, s.value])).toEqual([['ok', 2], ['failed', 1]]);
    expect(total(scraped, 'tollgate_fast_sync_seconds_bucket', { result: 'ok', le: '0.005' })).toBe(1);
    expect(total(scraped, 'tollgate_fast_sync_seconds_sum', { result: 'failed' })).toBeCloseTo(1.2);
    expect([total(scraped, 'tollgate_fast_partitions'), total(scraped, 'tollgate_fast_windows'), total(scraped, 'tollgate_fast_evictions_total')]).toEqual([40, 80, 3]);
    // A running total, not added up again per scrape.
    expect(total(await read(), 'tollgate_fast_evictions_total')).toBe(3);
  });

  it('reports only the rule-set version in force', async () => {
    const { ruleSet, read } = setup();
    expect(seriesOf(await read(), 'tollgate_rule_set_info').map((s) => [s.labels, s.value])).toEqual([[{ version: 'v1' }, 1]]);
    ruleSet.version = 'v2';
    expect(seriesOf(await read(), 'tollgate_rule_set_info').map((s) => [s.labels, s.value])).toEqual([[{ version: 'v2' }, 1]]);
  });

  it('counts store fallbacks by reason and calls written back, from 0', async () => {
    const { metrics, read } = setup();
    let scraped = await read();
    expect(seriesOf(scraped, 'tollgate_store_fallbacks_total').map((s) => [s.labels.reason, s.value])).toEqual([['error', 0], ['deadline', 0]]);
    expect(total(scraped, 'tollgate_fallback_written_back_total')).toBe(0);
    metrics.storeFallback(new Error('unavailable'));
    metrics.storeFallback(new DeadlineExceeded(500));
    metrics.storeFallback(new DeadlineExceeded(500));
    metrics.fallbackWrittenBack(5);
    metrics.fallbackWrittenBack(0);
    scraped = await read();
    expect(seriesOf(scraped, 'tollgate_store_fallbacks_total').map((s) => [s.labels.reason, s.value])).toEqual([['error', 1], ['deadline', 2]]);
    expect(total(scraped, 'tollgate_fallback_written_back_total')).toBe(5);
  });

  it('times the store it decorates, by operation and outcome', async () => {
    const { metrics, read } = setup();
    const log = metrics.timeStore(new MemoryCallLog(createManualClock(0)));
    await log.read({ caller: 'k', api: 'r' }, 0, 5, { timeoutMs: 100 });
    await log.append({ caller: 'k', api: 'r' }, 0, 1, 60, { timeoutMs: 100 });
    const scraped = await read();
    expect(total(scraped, 'tollgate_store_operation_seconds_count', { operation: 'read', outcome: 'ok' })).toBe(1);
    expect(total(scraped, 'tollgate_store_operation_seconds_count', { operation: 'append', outcome: 'ok' })).toBe(1);
    expect(total(scraped, 'tollgate_store_operation_seconds_bucket', { operation: 'read', le: '+Inf' })).toBe(1);
  });

  it('counts and times HTTP requests by route pattern, method and status', async () => {
    const { metrics, read } = setup();
    metrics.observeHttp('/v1/signup', 'POST', 201, 0.004);
    metrics.observeHttp('/v1/signup', 'POST', 429, 0.002);
    metrics.observeHttp('/v1/signup', 'POST', 201, 0.003);
    const scraped = await read();
    expect(seriesOf(scraped, 'tollgate_http_requests_total').map((s) => [s.labels, s.value])).toEqual([
      [{ route: '/v1/signup', method: 'POST', status: '201' }, 2],
      [{ route: '/v1/signup', method: 'POST', status: '429' }, 1],
    ]);
    expect(total(scraped, 'tollgate_http_request_seconds_count')).toBe(3);
    expect(total(scraped, 'tollgate_http_request_seconds_bucket', { le: '0.0025' })).toBe(1);
    expect(total(scraped, 'tollgate_http_request_seconds_sum')).toBeCloseTo(0.009);
  });

  it('keeps each service\'s metrics in its own registry, so many services live in one process', async () => {
    const one = setup();
    const two = setup();
    one.metrics.observeHttp('/healthz', 'GET', 200, 0.001);
    expect(total(await one.read(), 'tollgate_http_requests_total')).toBe(1);
    expect(total(await two.read(), 'tollgate_http_requests_total')).toBe(0);
    expect(one.metrics.registry).not.toBe(two.metrics.registry);
    const scraped = await two.read();
    expect(scraped.types.get('process_cpu_seconds_total')).toBe('counter');
    expect(scraped.types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
  });
});
