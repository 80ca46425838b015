/**
 * GET /metrics scraped from a running app after known traffic: exact counts by rule, outcome,
 * route pattern and status; the metric types; the store, cache and reload metrics; and no phone,
 * email, token or address anywhere in the scrape.
 */
import { describe, expect, it } from 'vitest';
import { METHODS } from 'node:http';
import { parseRules } from '../../src/rules/parse-rules.js';
import type { RuleSource } from '../../src/rules/rule-source.js';
import { createSettingsRuleSource } from '../../src/rules/settings-rule-source.js';
import { MemorySettingsStore } from '../../src/store/memory/memory-settings-store.js';
import { MemoryCallLog } from '../../src/store/memory/memory-call-log.js';
import { createManualClock } from '../../src/clock.js';
import { FaultyCallLog } from '../support/faulty-call-log.js';
import { testRule } from '../support/rules.js';
import { jsonOf, postJson, signupStatuses, startTestApp, TEST_HASHER } from '../support/test-app.js';
import { ADMIN_TOKEN, requestJson } from '../support/voice.js';
import { scrape, seriesOf, total } from '../support/prometheus-text.js';

const rules = parseRules('test', {
  rules: [
    { id: 'per-phone', match: { method: 'POST', path: '/v1/signup' }, key: 'body.phone', normalize: 'e164', allow: ['+1212*'], deny: ['+1900*'], limits: [{ count: 2, window: '1h' }] },
    { id: 'per-email', match: { method: 'POST', path: '/v1/signup' }, key: 'body.email', normalize: 'email', mode: 'shadow', limits: [{ count: 1, window: '1h' }] },
  ],
});
const STORE_OPERATIONS = ['read', 'append', 'append_many', 'remove', 'reset'];

describe('GET /metrics', () => {
  it('counts known traffic exactly: decisions by rule and outcome, near-limit hits, requests by route pattern and status', async () => {
    const app = await startTestApp({ rules });
    const signup = { phone: '+14155550100', email: 'a@example.com' };
    expect(await signupStatuses(app.url, [signup, signup, signup, { phone: '+12125550100' }, { phone: '+19005550100' }, {}])).toEqual([201, 201, 429, 201, 429, 400]);
    expect((await fetch(`${app.url}/no/such/path`)).status).toBe(404);
    expect((await fetch(`${app.url}/v1/signup`, { method: 'DELETE' })).status).toBe(405);

    const first = await scrape(app.url);
    expect(first.contentType).toMatch(/^text\/plain; version=0\.0\.4; charset=utf-8$/);
    const decisions = (labels: Record<string, string>) => total(first, 'tollgate_decisions_total', labels);
    expect(decisions({ rule: 'per-phone', outcome: 'admitted' })).toBe(2);
    expect(decisions({ rule: 'per-phone', outcome: 'limited' })).toBe(1);
    expect(decisions({ rule: 'per-phone', outcome: 'allowed_listed', via: 'list' })).toBe(1);
    expect(decisions({ rule: 'per-phone', outcome: 'denied_listed', via: 'list' })).toBe(1);
    expect(decisions({ rule: 'per-email', outcome: 'admitted' })).toBe(1);
    expect(decisions({ rule: 'per-email', outcome: 'shadow' })).toBe(2);
    expect(decisions({ outcome: 'fallback' })).toBe(0);
    expect(decisions({})).toBe(8);
    expect(seriesOf(first, 'tollgate_decisions_total').every((s) => s.labels.kind === 'window' && ['store', 'cache', 'list'].includes(s.labels.via!))).toBe(true);
    // per-phone: the second signup filled the window (2 of 2); the first left it half used. per-email: its one call fills it.
    expect(total(first, 'tollgate_near_limit_total', { rule: 'per-phone' })).toBe(1);
    expect(total(first, 'tollgate_near_limit_total', { rule: 'per-email' })).toBe(1);

    const requests = (labels: Record<string, string>) => total(first, 'tollgate_http_requests_total', labels);
    expect(requests({ route: '/v1/signup', method: 'POST', status: '201' })).toBe(3);
    expect(requests({ route: '/v1/signup', method: 'POST', status: '429' })).toBe(2);
    expect(requests({ route: '/v1/signup', method: 'POST', status: '400' })).toBe(1);
    expect(requests({ route: 'unmatched', method: 'GET', status: '404' })).toBe(1);
    expect(requests({ route: 'unmatched', method: 'DELETE', status: '405' })).toBe(1);
    expect(requests({})).toBe(8);
    expect(total(first, 'tollgate_http_request_seconds_count', { route: '/v1/signup', method: 'POST' })).toBe(6);

    // The store was timed; every operation it names is one of the CallLog's, and none failed.
    const storeSeries = seriesOf(first, 'tollgate_store_operation_seconds_count');
    expect(total(first, 'tollgate_store_operation_seconds_count', { outcome: 'ok' })).toBeGreaterThan(0);
    expect(total(first, 'tollgate_store_operation_seconds_count', { outcome: 'error' })).toBe(0);
    expect(storeSeries.every((s) => STORE_OPERATIONS.includes(s.labels.operation!))).toBe(true);
    expect(total(first, 'tollgate_store_fallbacks_total')).toBe(0);
    expect(total(first, 'tollgate_fallback_written_back_total')).toBe(0);
    // Two partitions (phone and email) were cached; the third signup's denial came from the cache.
    expect(total(first, 'tollgate_partition_cache_entries')).toBe(2);
    expect(total(first, 'tollgate_partition_cache_hits_total')).toBeGreaterThan(0);
    expect(total(first, 'tollgate_partition_cache_misses_total')).toBeGreaterThan(0);
    expect(decisions({ rule: 'per-phone', outcome: 'limited', via: 'cache' })).toBe(1);

    // A scrape is counted once it has been answered: the next one shows it.
    const second = await scrape(app.url);
    expect(total(second, 'tollgate_http_requests_total', { route: '/metrics', method: 'GET', status: '200' })).toBe(1);
    expect(total(second, 'tollgate_http_requests_total', { route: '/v1/signup' })).toBe(6);
  });

  it('declares each metric with its type and help, and Node\'s process metrics', async () => {
    const app = await startTestApp({ rules });
    await signupStatuses(app.url, [{ phone: '+14155550100' }]);
    const { types, help, samples } = await scrape(app.url);
    expect(Object.fromEntries([...types].filter(([name]) => name.startsWith('tollgate_')))).toEqual({
      tollgate_decisions_total: 'counter',
      tollgate_near_limit_total: 'counter',
      tollgate_store_operation_seconds: 'histogram',
      tollgate_store_fallbacks_total: 'counter',
      tollgate_fallback_written_back_total: 'counter',
      tollgate_http_requests_total: 'counter',
      tollgate_http_request_seconds: 'histogram',
      tollgate_partition_cache_hits_total: 'counter',
      tollgate_partition_cache_misses_total: 'counter',
      tollgate_partition_cache_entries: 'gauge',
      tollgate_rule_reloads_total: 'counter',
      tollgate_rule_set_info: 'gauge',
      tollgate_fast_sync_seconds: 'histogram',
      tollgate_fast_windows: 'gauge',
      tollgate_fast_partitions: 'gauge',
      tollgate_fast_evictions_total: 'counter',
    });
    for (const name of types.keys()) expect(help.get(name), name).toMatch(/\w/);
    const names = new Set(samples.map((s) => s.name));
    for (const name of ['tollgate_store_operation_seconds_bucket', 'tollgate_store_operation_seconds_sum', 'tollgate_http_request_seconds_bucket']) expect(names).toContain(name);
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) expect(names).toContain(name);
    // Histogram buckets are cumulative and end at +Inf with the count.
    const buckets = seriesOf({ samples, types, help }, 'tollgate_http_request_seconds_bucket', { route: '/v1/signup' });
    expect(buckets.at(-1)!.labels.le).toBe('+Inf');
    expect(buckets.at(-1)!.value).toBe(1);
  });

  it('is in /openapi.json as text/plain, tagged system, without authentication', async () => {
    const app = await startTestApp({ rules });
    const doc = await jsonOf(await fetch(`${app.url}/openapi.json`));
    const operation = doc.paths['/metrics'].get;
    expect(operation.tags).toEqual(['system']);
    expect(operation.security).toEqual([]);
    expect(Object.keys(operation.responses['200'].content)).toEqual(['text/plain']);
  });

  it('is never throttled, even by a rule written for it', async () => {
    const onMetrics = parseRules('test', { rules: [{ id: 'scrapes', match: { method: 'GET', path: '/metrics' }, key: 'ip', limits: [{ count: 1, window: '1h' }] }] });
    const app = await startTestApp({ rules: onMetrics });
    for (let i = 0; i < 3; i++) expect((await fetch(`${app.url}/metrics`)).status).toBe(200);
    expect(total(await scrape(app.url), 'tollgate_decisions_total')).toBe(0);
  });

  it('counts fallbacks when the store fails: outcome fallback, the failure by reason, the failed store calls', async () => {
    const callLog = new FaultyCallLog(new MemoryCallLog(createManualClock(0)));
    callLog.fault = 'fail';
    const local = testRule('local-phone', [[5, '1h']], { onStoreError: 'local' });
    const deny = testRule('deny-email', [[5, '1h']], { key: 'body.email', normalize: 'email', onStoreError: 'deny' });
    const app = await startTestApp({ rules: [local, deny], callLog });
    expect(await signupStatuses(app.url, [{ phone: '+14155550100' }, { phone: '+14155550100' }, { email: 'a@example.com' }])).toEqual([201, 201, 503]);
    const metrics = await scrape(app.url);
    expect(total(metrics, 'tollgate_decisions_total', { rule: 'local-phone', outcome: 'fallback', via: 'local' })).toBe(2);
    expect(total(metrics, 'tollgate_decisions_total', { outcome: 'admitted' })).toBe(0);
    expect(total(metrics, 'tollgate_store_fallbacks_total', { reason: 'error' })).toBe(3);
    expect(total(metrics, 'tollgate_store_fallbacks_total', { reason: 'deadline' })).toBe(0);
    expect(total(metrics, 'tollgate_store_operation_seconds_count', { outcome: 'error' })).toBeGreaterThanOrEqual(3);
    expect(total(metrics, 'tollgate_http_requests_total', { route: '/v1/signup', status: '503' })).toBe(1);
  });

  it('counts store deadlines apart from failures', async () => {
    const callLog = new FaultyCallLog(new MemoryCallLog(createManualClock(0)));
    callLog.fault = 'hang';
    const app = await startTestApp({ rules: [testRule('local-phone', [[5, '1h']], { onStoreError: 'local' })], callLog, deadlineMs: 50 });
    expect(await signupStatuses(app.url, [{ phone: '+14155550100' }])).toEqual([201]);
    const metrics = await scrape(app.url);
    expect(total(metrics, 'tollgate_store_fallbacks_total', { reason: 'deadline' })).toBe(1);
    expect(total(metrics, 'tollgate_store_fallbacks_total', { reason: 'error' })).toBe(0);
  });

  it('reports rule reloads by result and the version of the rules in force (one series)', async () => {
    const settings = new MemorySettingsStore();
    let broken = false;
    const flaky: RuleSource = {
      name: 'flaky',
      load: async () => {
        if (broken) throw new Error('cannot read the rules');
        return [{ origin: 'flaky.json', json: { rules: [{ id: 'flaky-phone', match: { method: 'POST', path: '/v1/signup' }, key: 'body.phone', normalize: 'e164', limits: [{ count: 9, window: '1h' }] }] } }];
      },
    };
    const app = await startTestApp({ rules: [], adminToken: ADMIN_TOKEN, stores: { settings }, ruleSources: [flaky, createSettingsRuleSource(settings)] });
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const versionInForce = async () => (await jsonOf(await fetch(`${app.url}/v1/admin/rules`, { headers: admin }))).version as string;

    const before = await scrape(app.url);
    expect(seriesOf(before, 'tollgate_rule_reloads_total').map((s) => [s.labels.result, s.value])).toEqual([['ok', 0], ['failed', 0]]);
    expect(seriesOf(before, 'tollgate_rule_set_info').map((s) => [s.labels.version, s.value])).toEqual([[await versionInForce(), 1]]);

    const put = await requestJson('PUT', `${app.url}/v1/admin/rules/email-limit`, { match: { method: 'POST', path: '/v1/signup' }, key: 'body.email', normalize: 'email', limits: [{ count: 2, window: '1h' }] }, admin);
    expect(put.status).toBe(200);
    broken = true;
    expect((await app.rulesInForce!.reload('test')).ok).toBe(false);

    const after = await scrape(app.url);
    expect(total(after, 'tollgate_rule_reloads_total', { result: 'ok' })).toBe(1);
    expect(total(after, 'tollgate_rule_reloads_total', { result: 'failed' })).toBe(1);
    const version = (await jsonOf(put)).version as string;
    expect(version).not.toBe(seriesOf(before, 'tollgate_rule_set_info')[0]!.labels.version);
    expect(await versionInForce()).toBe(version);
    expect(seriesOf(after, 'tollgate_rule_set_info').map((s) => [s.labels.version, s.value])).toEqual([[version, 1]]);
  });

  it('puts no phone, email, token or address in any label or value', async () => {
    const phones = ['+1 (415) 555-0142', '415.555.0173', '+44 20 7946 0958'];
    const e164 = ['+14155550142', '+14155550173', '+442079460958'];
    const emails = ['Alice.Smith+promo@Example.COM', 'BOB@Mail.Example.org'];
    const addresses = ['203.0.113.77', '198.51.100.23', '2001:db8:4242::77'];
    const badTokens = ['tok_0123456789abcdefSECRETxyz', 'AC0fakeAccountToken9876543210'];
    const rulesWithIp = [...rules, testRule('per-ip', [[100, '1h']], { key: 'ip' }), testRule('per-token', [[100, '1h']], { key: 'token', match: { method: 'GET', path: '/v1/heartbeat' } })];
    const app = await startTestApp({ rules: rulesWithIp, adminToken: ADMIN_TOKEN, settings: { trustProxyHops: 1 } });
    const created = await jsonOf(await postJson(`${app.url}/v1/accounts`, { friendlyName: 'pii' }, { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-forwarded-for': addresses[0]! }));
    const { accountId, authToken } = created as { accountId: string; authToken: string };
    expect([accountId, authToken].every((v) => typeof v === 'string' && v.length > 8)).toBe(true);
    for (const [i, phone] of phones.entries()) {
      const email = emails[i % emails.length]!;
      const forwardedFor = addresses[i % addresses.length]!;
      for (let n = 0; n < 3; n++) await postJson(`${app.url}/v1/signup`, { phone, email }, { 'x-forwarded-for': forwardedFor });
    }
    for (const token of [authToken, ...badTokens]) {
      for (const forwardedFor of addresses) await fetch(`${app.url}/v1/heartbeat`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': forwardedFor } });
    }
    await fetch(`${app.url}/v1/accounts/${accountId}`, { headers: { authorization: `Bearer ${authToken}` } });
    await fetch(`${app.url}/v1/signup/${encodeURIComponent(e164[0]!)}?email=${encodeURIComponent(emails[0]!)}&token=${badTokens[0]}`);
    await fetch(`${app.url}/${addresses[1]}/${emails[1]}`);

    const { text } = await scrape(app.url);
    // The traffic was counted (so the search below is not over an empty scrape).
    expect(text).toMatch(/tollgate_decisions_total\{rule="per-ip"/);
    expect(text).toMatch(/tollgate_decisions_total\{rule="per-token"/);
    expect(text).toMatch(/tollgate_http_requests_total\{route="\/v1\/heartbeat",method="GET",status="401"\}/);
    const lower = text.toLowerCase();
    const needles = [
      ...phones,
      ...e164,
      ...e164.map((p) => p.slice(1)),
      '4155550142',
      '4155550173',
      '2079460958',
      ...emails,
      ...emails.map((e) => e.toLowerCase()),
      'alice.smith@example.com',
      '@',
      ...addresses,
      '2001:db8',
      authToken,
      accountId,
      ADMIN_TOKEN,
      ...badTokens,
      // Not even a caller's partition key (its HMAC): one series per caller would be unbounded.
      ...[...e164, ...emails.map((e) => e.toLowerCase()), ...addresses].map((key) => TEST_HASHER.hash(key)),
    ];
    expect(needles.filter((needle) => lower.includes(needle.toLowerCase()))).toEqual([]);
    // Nor a route other than a pattern the app serves, and no method outside Node's list.
    const routes = new Set([...text.matchAll(/route="([^"]*)"/g)].map((m) => m[1]));
    expect([...routes].filter((r) => r !== 'unmatched' && !app.composed.routes.some((route) => route.path === r) && r !== '/healthz' && r !== '/openapi.json')).toEqual([]);
    expect([...text.matchAll(/method="([^"]*)"/g)].every((m) => METHODS.includes(m[1]!))).toBe(true);
  });
});
