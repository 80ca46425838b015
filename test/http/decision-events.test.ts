import { describe, expect, it } from 'vitest';
import type { DecisionEvent } from '../../src/http/decision-events.js';
import { parseRules } from '../../src/rules/parse-rules.js';
import { createManualClock } from '../../src/clock.js';
import { MemoryCallLog } from '../../src/store/memory/memory-call-log.js';
import { FaultyCallLog } from '../support/faulty-call-log.js';
import { postJson, startTestApp, TEST_HASHER } from '../support/test-app.js';

const rules = parseRules('test', {
  rules: [
    { id: 'per-phone', match: { method: 'POST', path: '/v1/signup' }, key: 'body.phone', normalize: 'e164', allow: ['+1212*'], deny: ['+1900*'], limits: [{ count: 2, window: '1h' }] },
    { id: 'per-email', match: { method: 'POST', path: '/v1/signup' }, key: 'body.email', normalize: 'email', mode: 'shadow', limits: [{ count: 1, window: '1h' }] },
  ],
});

describe('decision events', () => {
  it('tell each rule\'s outcome with the partition key, never the raw key', async () => {
    const app = await startTestApp({ rules });
    const seen: Array<{ route: string; events: readonly DecisionEvent[] }> = [];
    app.composed.onDecisions((events, route) => seen.push({ route, events }));
    const body = { phone: '+14155550100', email: 'a@example.com' };
    for (let i = 0; i < 3; i++) await postJson(`${app.url}/v1/signup`, body);
    await postJson(`${app.url}/v1/signup`, { phone: '+12125550100' });
    await postJson(`${app.url}/v1/signup`, { phone: '+19005550100' });
    const phone = TEST_HASHER.hash('+14155550100');
    const email = TEST_HASHER.hash('a@example.com');
    expect(seen.map((s) => s.route)).toEqual(Array(5).fill('/v1/signup'));
    expect(seen.map((s) => s.events.map((e) => [e.rule, e.outcome, e.caller, e.usedShare]))).toEqual([
      [['per-phone', 'admitted', phone, 0.5], ['per-email', 'admitted', email, 1]],
      [['per-phone', 'admitted', phone, 1], ['per-email', 'shadow', email, 1]],
      [['per-phone', 'limited', phone, 1], ['per-email', 'shadow', email, 1]],
      [['per-phone', 'allowed-listed', TEST_HASHER.hash('+12125550100'), undefined]],
      [['per-phone', 'denied-listed', TEST_HASHER.hash('+19005550100'), undefined]],
    ]);
    expect(JSON.stringify(seen)).not.toMatch(/4155550100|a@example\.com/);
  });
});

describe('decision events when the store fails', () => {
  it.each([
    ['allow', 201, 'admitted'],
    ['deny', 503, 'limited'],
  ] as const)('tell one event per rule for the %s fallback, which looks at no window', async (onStoreError, status, outcome) => {
    const rule = parseRules('test', { rules: [{ id: 'r', match: { method: 'POST', path: '/v1/signup' }, key: 'body.phone', normalize: 'e164', onStoreError, limits: [{ count: 5, window: '1h' }] }] });
    const store = new FaultyCallLog(new MemoryCallLog(createManualClock(0)));
    store.fault = 'fail';
    const app = await startTestApp({ rules: rule, callLog: store, deadlineMs: 50 });
    const seen: DecisionEvent[] = [];
    app.composed.onDecisions((events) => seen.push(...events));
    expect((await postJson(`${app.url}/v1/signup`, { phone: '+14155550100' })).status).toBe(status);
    expect(seen).toEqual([{ rule: 'r', outcome, kind: 'window', via: onStoreError, caller: TEST_HASHER.hash('+14155550100') }]);
  });
});
