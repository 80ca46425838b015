/**
 * Limits at several levels on one route, all or nothing, end to end through the composed app on
 * the memory store: a device's, an account's and the whole system's windows (keys
 * header.x-device-id, param.accountId and "global") must all admit a request, and a request one
 * of them refuses is counted by none. The same across limiter kinds: a window refusing after a
 * concurrent limit gives the slot back, after a bucket gives the tokens back, and a bucket refusing
 * after a concurrent limit gives the slot back. Checked by what is stored (the windows' usage, the
 * slots held, the bucket's tokens) and by the admissions that follow.
 */
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { parseRules } from '../../src/rules/parse-rules.js';
import { jsonOf, postJson, TEST_HASHER, type TestApp } from '../support/test-app.js';
import { createAccount, requestJson, startVoiceApp, type TestAccount } from '../support/voice.js';

const T0 = 1_800_000_000_000;
const CALLS = '/v1/accounts/:accountId/calls';
const LIST = { method: 'GET', path: CALLS };
const PLACE = { method: 'POST', path: CALLS };

const LEVELS = parseRules('test', {
  rules: [
    { id: 'per-device', match: LIST, key: 'header.x-device-id', limits: [{ count: 2, window: '1m' }] },
    { id: 'per-account', match: LIST, key: 'param.accountId', limits: [{ count: 3, window: '1m' }] },
    { id: 'system', match: LIST, key: 'global', limits: [{ count: 4, window: '1m' }] },
  ],
});

/** The windows' usage of one key under one rule (the admin's view: GET /v1/admin/limits). */
async function used(app: TestApp, rule: string, key: string): Promise<number> {
  const report = await app.composed.limits.inspect(rule, [key]);
  return report.windows[0]!.used;
}

describe('device, account and system windows on one route', () => {
  it('admits a request only when all three do, and a request one refuses is counted by none', async () => {
    const clock = createManualClock(T0);
    const app = await startVoiceApp({ rules: LEVELS, clock });
    const [a, b] = [await createAccount(app.url, 'a'), await createAccount(app.url, 'b')];
    const list = async (who: TestAccount, device: string) => {
      const response = await fetch(`${app.url}/v1/accounts/${who.accountId}/calls`, { headers: { ...who.bearer, 'x-device-id': device } });
      return { status: response.status, rule: response.status === 429 ? (await jsonOf(response)).error.rule : undefined };
    };
    const usage = async () => ({
      d1: await used(app, 'per-device', 'd1'), d2: await used(app, 'per-device', 'd2'), d3: await used(app, 'per-device', 'd3'), d4: await used(app, 'per-device', 'd4'),
      a: await used(app, 'per-account', a.accountId), b: await used(app, 'per-account', b.accountId), system: await used(app, 'system', 'global'),
    });

    expect([await list(a, 'd1'), await list(a, 'd1')]).toEqual([{ status: 200 }, { status: 200 }]);
    // The device's own limit refuses: the account and the system count nothing for it.
    expect(await list(a, 'd1')).toEqual({ status: 429, rule: 'per-device' });
    expect(await usage()).toEqual({ d1: 2, d2: 0, d3: 0, d4: 0, a: 2, b: 0, system: 2 });

    expect(await list(a, 'd2')).toEqual({ status: 200 });
    // The account is full: its other device is refused, and neither it nor the system counts it.
    expect(await list(a, 'd2')).toEqual({ status: 429, rule: 'per-account' });
    expect(await usage()).toEqual({ d1: 2, d2: 1, d3: 0, d4: 0, a: 3, b: 0, system: 3 });

    expect(await list(b, 'd3')).toEqual({ status: 200 });
    // The system is full: another account's device is refused, and neither its account nor it counts it.
    expect(await list(b, 'd4')).toEqual({ status: 429, rule: 'system' });
    expect(await list(b, 'd4')).toEqual({ status: 429, rule: 'system' });
    expect(await usage()).toEqual({ d1: 2, d2: 1, d3: 1, d4: 0, a: 3, b: 1, system: 4 });

    // A minute on, every window is empty again: d4 has its whole 2, as it never took any.
    clock.advance(60_000);
    expect([await list(b, 'd4'), await list(b, 'd4'), await list(b, 'd4')]).toEqual([{ status: 200 }, { status: 200 }, { status: 429, rule: 'per-device' }]);
    expect(await usage()).toEqual({ d1: 0, d2: 0, d3: 0, d4: 2, a: 0, b: 2, system: 2 });
  });

  it('reports the refusing level in the error and every level in the RateLimit headers', async () => {
    const app = await startVoiceApp({ rules: LEVELS });
    const a = await createAccount(app.url);
    const list = () => fetch(`${app.url}/v1/accounts/${a.accountId}/calls`, { headers: { ...a.bearer, 'x-device-id': 'd1' } });
    const admitted = await list();
    expect(admitted.headers.get('ratelimit-policy')).toBe('"per-device/1m";q=2;w=60, "per-account/1m";q=3;w=60, "system/1m";q=4;w=60');
    expect(admitted.headers.get('ratelimit')).toBe('"per-device/1m";r=1;t=60, "per-account/1m";r=2;t=60, "system/1m";r=3;t=60');
    await list();
    const refused = await list();
    expect(refused.status).toBe(429);
    expect((await jsonOf(refused)).error).toMatchObject({ rule: 'per-device', limit: 2, window: '1m', retryAfter: 60 });
  });
});

describe('all or nothing across limiter kinds', () => {
  const call = (app: TestApp, who: TestAccount, to: string) => postJson(`${app.url}/v1/accounts/${who.accountId}/calls`, { to, from: '+14155550199' }, who.bearer);
  const slotsHeld = (app: TestApp, rule: string, who: TestAccount) => app.stores.slots.held({ caller: TEST_HASHER.hash(who.accountId), api: rule }, app.clock(), { timeoutMs: 1_000 });

  it('a window refusing after a concurrent limit gives the slot back', async () => {
    const rules = parseRules('test', {
      rules: [
        { id: 'calls-at-once', match: PLACE, key: 'param.accountId', limits: [{ kind: 'concurrent', max: 1, lease: '1h' }] },
        { id: 'per-callee', match: PLACE, key: 'body.to', normalize: 'e164', limits: [{ count: 1, window: '1h' }] },
      ],
    });
    const app = await startVoiceApp({ rules });
    const a = await createAccount(app.url);
    const first = await jsonOf(await call(app, a, '+14155550100'));
    expect(await slotsHeld(app, 'calls-at-once', a)).toBe(1);
    expect((await requestJson('POST', `${app.url}/v1/accounts/${a.accountId}/calls/${first.sid}`, { status: 'end' }, a.bearer)).status).toBe(200);
    expect(await slotsHeld(app, 'calls-at-once', a)).toBe(0);

    // The slot is free; the callee's window refuses, and the slot taken before it is given back.
    const refused = await call(app, a, '+14155550100');
    expect(refused.status).toBe(429);
    expect((await jsonOf(refused)).error.rule).toBe('per-callee');
    expect(await slotsHeld(app, 'calls-at-once', a)).toBe(0);
    // So another callee's call takes the one slot.
    expect((await call(app, a, '+14155550101')).status).toBe(201);
    expect(await slotsHeld(app, 'calls-at-once', a)).toBe(1);
    const busy = await call(app, a, '+14155550102');
    expect(busy.status).toBe(429);
    expect((await jsonOf(busy)).error.rule).toBe('calls-at-once');
    // Refused by the slot, before the window: +14155550102 was not counted.
    expect(await used(app, 'per-callee', '+14155550102')).toBe(0);
  });

  it('a window refusing after a bucket gives the tokens back', async () => {
    const rules = parseRules('test', {
      rules: [
        { id: 'account-bucket', match: PLACE, key: 'param.accountId', limits: [{ kind: 'bucket', max_bucket_tokens: 3, tokens_fill_rate: 1, tokens_fill_time: 'hour', token_costs: 1 }] },
        { id: 'per-callee', match: PLACE, key: 'body.to', normalize: 'e164', limits: [{ count: 1, window: '1h' }] },
      ],
    });
    const app = await startVoiceApp({ rules });
    const a = await createAccount(app.url);
    const bucket = async () => JSON.parse((await app.stores.state.read({ caller: TEST_HASHER.hash(a.accountId), api: 'account-bucket' }, { timeoutMs: 1_000 })).state!).t as number;
    expect((await call(app, a, '+14155550100')).status).toBe(201);
    expect(await bucket()).toBe(2);
    for (let i = 0; i < 3; i++) {
      const refused = await call(app, a, '+14155550100');
      expect(refused.status).toBe(429);
      expect((await jsonOf(refused)).error.rule).toBe('per-callee');
    }
    // Three refusals by the window took a token each from the bucket and gave it back.
    expect(await bucket()).toBe(2);
    expect([(await call(app, a, '+14155550101')).status, (await call(app, a, '+14155550102')).status]).toEqual([201, 201]);
    const empty = await call(app, a, '+14155550103');
    expect(empty.status).toBe(429);
    expect((await jsonOf(empty)).error.rule).toBe('account-bucket');
    expect(await used(app, 'per-callee', '+14155550103')).toBe(0);
  });

  it('a bucket refusing after a concurrent limit gives the slot back', async () => {
    const rules = parseRules('test', {
      rules: [
        { id: 'calls-at-once', match: PLACE, key: 'param.accountId', limits: [{ kind: 'concurrent', max: 5, lease: '1h' }] },
        { id: 'account-bucket', match: PLACE, key: 'param.accountId', limits: [{ kind: 'bucket', max_bucket_tokens: 2, tokens_fill_rate: 1, tokens_fill_time: 'hour' }] },
      ],
    });
    const app = await startVoiceApp({ rules });
    const a = await createAccount(app.url);
    expect([(await call(app, a, '+14155550100')).status, (await call(app, a, '+14155550101')).status]).toEqual([201, 201]);
    expect(await slotsHeld(app, 'calls-at-once', a)).toBe(2);
    for (let i = 0; i < 5; i++) {
      const refused = await call(app, a, '+14155550102');
      expect(refused.status).toBe(429);
      expect((await jsonOf(refused)).error.rule).toBe('account-bucket');
    }
    // Five refused calls held no slot: two live calls, two slots.
    expect(await slotsHeld(app, 'calls-at-once', a)).toBe(2);
  });
});
