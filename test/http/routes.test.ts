import { describe, expect, it } from 'vitest';
import { FaultyCallLog } from '../support/faulty-call-log.js';
import { testRule } from '../support/rules.js';
import { jsonOf, postJson, signupStatuses, startTestApp } from '../support/test-app.js';
import { MemoryCallLog } from '../../src/store/memory/memory-call-log.js';
import { createManualClock } from '../../src/clock.js';

describe('routing', () => {
  it.each([
    ['/V1/Signup', 404],
    ['/v1/signup/', 404],
    ['//v1/signup', 404],
    ['/v1/%73ignup', 404],
    ['/nope', 404],
  ])('POST %s reaches no handler (%i)', async (path, status) => {
    const app = await startTestApp({ rules: [testRule('r', [[1, '1h']])] });
    const response = await postJson(`${app.url}${path}`, { phone: '+14155551212' });
    expect(response.status).toBe(status);
    expect((await jsonOf(response)).error.code).toBe('NOT_FOUND');
  });

  it('answers 405 with Allow for a method the route does not take', async () => {
    const app = await startTestApp({ rules: [] });
    const response = await fetch(`${app.url}/v1/signup`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect((await jsonOf(response)).error.code).toBe('METHOD_NOT_ALLOWED');
  });
});

describe('GET /healthz', () => {
  it('is 200 with the store name while the store answers', async () => {
    const app = await startTestApp({ rules: [] });
    const response = await fetch(`${app.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await jsonOf(response)).toEqual({ status: 'ok', store: 'memory' });
  });

  it('is 503 while the store is unreachable', async () => {
    const app = await startTestApp({ rules: [], health: async () => ({ status: 'unavailable', store: 'cassandra' }) });
    const response = await fetch(`${app.url}/healthz`);
    expect(response.status).toBe(503);
    expect(await jsonOf(response)).toEqual({ status: 'unavailable', store: 'cassandra' });
  });
});

describe('rule options through HTTP', () => {
  it('refuses a request without the key when the rule says onMissingKey: reject', async () => {
    const app = await startTestApp({ rules: [testRule('r', [[1, '1h']], { key: 'body.email', normalize: 'email', onMissingKey: 'reject' })] });
    const response = await postJson(`${app.url}/v1/signup`, { phone: '+14155551212' });
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toEqual({ code: 'INVALID_REQUEST', message: 'body.email is required', field: 'body.email' });
  });

  it('does not count a request without the key by default', async () => {
    const app = await startTestApp({ rules: [testRule('r', [[1, '1h']], { key: 'body.email', normalize: 'email' })] });
    expect(await signupStatuses(app.url, Array(3).fill({ phone: '+14155551212' }))).toEqual([201, 201, 201]);
  });

  it('answers 503 THROTTLE_UNAVAILABLE when the store is down and the rule says onStoreError: deny', async () => {
    const clock = createManualClock(0);
    const store = new FaultyCallLog(new MemoryCallLog(clock));
    store.fault = 'fail';
    const app = await startTestApp({ rules: [testRule('r', [[5, '1h']], { onStoreError: 'deny' })], callLog: store, clock });
    const response = await postJson(`${app.url}/v1/signup`, { phone: '+14155551212' });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect((await jsonOf(response)).error).toEqual({ code: 'THROTTLE_UNAVAILABLE', message: 'The rate limiter is unavailable; try again shortly.' });
  });

  it('keeps limiting on the local fallback when the store is down (onStoreError: local)', async () => {
    const clock = createManualClock(0);
    const store = new FaultyCallLog(new MemoryCallLog(clock));
    store.fault = 'hang';
    const app = await startTestApp({ rules: [testRule('r', [[2, '1h']], { onStoreError: 'local' })], callLog: store, clock, deadlineMs: 50 });
    expect(await signupStatuses(app.url, Array(3).fill({ phone: '+14155551212' }))).toEqual([201, 201, 429]);
  });

  it('uses the rule\'s own status, code and message', async () => {
    const app = await startTestApp({
      rules: [testRule('r', [[1, '5m']], { error: { status: 403, code: 'SIGNUP_BLOCKED', message: 'Blocked.' } })],
    });
    await postJson(`${app.url}/v1/signup`, { phone: '+14155551212' });
    const response = await postJson(`${app.url}/v1/signup`, { phone: '+14155551212' });
    expect(response.status).toBe(403);
    expect(await jsonOf(response)).toEqual({
      error: { code: 'SIGNUP_BLOCKED', message: 'Blocked.', rule: 'r', limit: 1, window: '5m', retryAfter: 300 },
    });
  });
});
