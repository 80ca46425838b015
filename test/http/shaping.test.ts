/**
 * What a rule does over its limit besides refusing (http/shaping.ts, the QoS notes' delay and
 * mark), end to end through the composed app on the memory store. Delays wait on real time, so
 * those tests use the system clock and windows of a few seconds; they assert what was answered
 * and in which order, never how long anything took. Marking needs no wait: a manual clock.
 */
import { describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { ChainOutcome } from '../../src/engine/limiter-chain.js';
import { parseRules } from '../../src/rules/parse-rules.js';
import { scrape, total } from '../support/prometheus-text.js';
import { jsonOf, postJson, startTestApp, type TestApp } from '../support/test-app.js';

const PHONE = { phone: '+14155550100' };

function signupRule(limits: unknown[], action: unknown) {
  return parseRules('test', { rules: [{ id: 'shaped', match: { method: 'POST', path: '/v1/signup' }, key: 'body.phone', normalize: 'e164', limits, action }] });
}

/**
 * Records the outcome of every decision the throttle asks of the app's limiter chain (the same
 * object the HTTP guard holds), so a test can wait until a request has been refused once and
 * is waiting, instead of guessing with a sleep.
 */
function observeDecisions(app: TestApp): ChainOutcome[] {
  const seen: ChainOutcome[] = [];
  const chain = app.composed.limiters.chain;
  const take = chain.take.bind(chain);
  chain.take = async (...args) => {
    const outcome = await take(...args);
    seen.push(outcome);
    return outcome;
  };
  return seen;
}

/** Sends a signup and records, once it is answered, its place among the answers. */
function tracked(app: TestApp, order: string[], name: string): Promise<Response> {
  return postJson(`${app.url}/v1/signup`, PHONE).then((response) => {
    order.push(name);
    return response;
  });
}

describe('action delay', () => {
  it('holds a request over the limit until it fits and admits it with Throttle-Delay', async () => {
    const app = await startTestApp({ rules: signupRule(['1/1'], { kind: 'delay', maxWait: '2s' }), clock: systemClock });
    const decisions = observeDecisions(app);
    const first = await postJson(`${app.url}/v1/signup`, PHONE);
    expect(first.status).toBe(201);
    expect(first.headers.get('throttle-delay')).toBeNull();

    const second = await postJson(`${app.url}/v1/signup`, PHONE);
    expect(second.status).toBe(201);
    // It waited: the header says so (in ms), whatever the number.
    expect(Number(second.headers.get('throttle-delay'))).toBeGreaterThan(0);
    expect(second.headers.get('retry-after')).toBeNull();
    expect(second.headers.get('ratelimit-policy')).toBe('"shaped/1s";q=1;w=1');
    // Refused at first, then admitted after the wait (a timer firing a hair early may add a refused attempt).
    const admitted = decisions.map((d) => d.admitted);
    expect(admitted.length).toBeGreaterThanOrEqual(3);
    expect(admitted).toEqual([true, ...Array(admitted.length - 2).fill(false), true]);
    const scraped = await scrape(app.url);
    expect(total(scraped, 'tollgate_decisions_total', { rule: 'shaped', outcome: 'delayed' })).toBe(1);
    expect(total(scraped, 'tollgate_decisions_total', { rule: 'shaped', outcome: 'admitted' })).toBe(1);
  });

  it('counts as delayed only the rules whose refusal was waited out; another rule on the request admitted it as usual', async () => {
    const rules = parseRules('test', {
      rules: [
        { id: 'shaped', match: { method: 'POST', path: '/v1/signup' }, key: 'body.phone', normalize: 'e164', limits: ['1/1'], action: { kind: 'delay', maxWait: '2s' } },
        { id: 'generous', match: { method: 'POST', path: '/v1/signup' }, key: 'body.phone', normalize: 'e164', limits: [{ count: 100, window: '1h' }] },
      ],
    });
    const app = await startTestApp({ rules, clock: systemClock });
    expect((await postJson(`${app.url}/v1/signup`, PHONE)).status).toBe(201);
    const second = await postJson(`${app.url}/v1/signup`, PHONE);
    expect(second.status).toBe(201);
    expect(Number(second.headers.get('throttle-delay'))).toBeGreaterThan(0);
    const scraped = await scrape(app.url);
    const count = (rule: string, outcome: string) => total(scraped, 'tollgate_decisions_total', { rule, outcome });
    expect([count('shaped', 'admitted'), count('shaped', 'delayed')]).toEqual([1, 1]);
    expect([count('generous', 'admitted'), count('generous', 'delayed')]).toEqual([2, 0]);
  });

  it('with maxQueue 1, refuses a second waiting request of the same key at once, and still admits the first waiter', async () => {
    const app = await startTestApp({ rules: signupRule(['1/2'], { kind: 'delay', maxWait: '3s', maxQueue: 1 }), clock: systemClock });
    const decisions = observeDecisions(app);
    expect((await postJson(`${app.url}/v1/signup`, PHONE)).status).toBe(201);
    const order: string[] = [];
    const waiter = tracked(app, order, 'waiter');
    // The waiter has been refused once: it now holds the queue's one place.
    await vi.waitFor(() => expect(decisions).toHaveLength(2), { timeout: 5_000, interval: 5 });
    expect(decisions[1]!.admitted).toBe(false);
    const turnedAway = await tracked(app, order, 'turned away');
    expect(turnedAway.status).toBe(429);
    expect(turnedAway.headers.get('throttle-delay')).toBeNull();
    expect(Number(turnedAway.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await jsonOf(turnedAway)).error).toMatchObject({ code: 'REQUEST_LIMIT_REACHED', rule: 'shaped' });
    const waited = await waiter;
    expect(waited.status).toBe(201);
    expect(Number(waited.headers.get('throttle-delay'))).toBeGreaterThan(0);
    // Refused at once: answered while the waiter was still waiting.
    expect(order).toEqual(['turned away', 'waiter']);
    // Another key has a queue of its own: its request is admitted without waiting.
    const other = await postJson(`${app.url}/v1/signup`, { phone: '+14155550101' });
    expect(other.status).toBe(201);
    expect(other.headers.get('throttle-delay')).toBeNull();
  });

  it('refuses at once a request that would have to wait longer than maxWait', async () => {
    const app = await startTestApp({ rules: signupRule(['1/5'], { kind: 'delay', maxWait: '1s' }), clock: systemClock });
    const decisions = observeDecisions(app);
    expect((await postJson(`${app.url}/v1/signup`, PHONE)).status).toBe(201);
    const refused = await postJson(`${app.url}/v1/signup`, PHONE);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('throttle-delay')).toBeNull();
    // The window frees in about 5 s: far past the 1 s it may wait, so it did not wait and ask again.
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(1);
    expect(decisions.map((d) => d.admitted)).toEqual([true, false]);
    const scraped = await scrape(app.url);
    expect(total(scraped, 'tollgate_decisions_total', { rule: 'shaped', outcome: 'limited' })).toBe(1);
    expect(total(scraped, 'tollgate_decisions_total', { rule: 'shaped', outcome: 'delayed' })).toBe(0);
  });
});

describe('action mark', () => {
  it('lets a request over the limit through with Throttle-Status: exceeded and counts it as marked', async () => {
    const app = await startTestApp({ rules: signupRule([{ count: 1, window: '1m' }], 'mark') });
    const first = await postJson(`${app.url}/v1/signup`, PHONE);
    expect(first.status).toBe(201);
    expect(first.headers.get('throttle-status')).toBeNull();
    for (let i = 0; i < 2; i++) {
      const over = await postJson(`${app.url}/v1/signup`, PHONE);
      expect(over.status).toBe(201);
      expect(over.headers.get('throttle-status')).toBe('exceeded');
      expect(over.headers.get('retry-after')).toBeNull();
    }
    // Another phone is within its own limit: not marked.
    expect((await postJson(`${app.url}/v1/signup`, { phone: '+14155550101' })).headers.get('throttle-status')).toBeNull();
    const scraped = await scrape(app.url);
    expect(total(scraped, 'tollgate_decisions_total', { rule: 'shaped', outcome: 'marked' })).toBe(2);
    expect(total(scraped, 'tollgate_decisions_total', { rule: 'shaped', outcome: 'admitted' })).toBe(2);
    expect(scraped.text).toMatch(/^tollgate_decisions_total\{[^}]*outcome="marked"[^}]*\} 2$/m);
    // What went through marked was still signed up.
    expect(total(scraped, 'tollgate_http_requests_total', { route: '/v1/signup', status: '201' })).toBe(4);
  });
});
