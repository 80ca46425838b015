/**
 * A shared limit ({"kind": "shared"}: an account's 30 requests a second shared by its devices,
 * each assured 10, borrowing what the others leave) end to end through the composed app on the
 * memory store. The manual clock moves in steps of 100 ms; in each step every active device asks
 * in turn (one request each, round after round) until each has been refused once, so the devices
 * compete as simultaneous senders would, and the count of admissions per device is the measure.
 */
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { parseRules } from '../../src/rules/parse-rules.js';
import { jsonOf, TEST_HASHER } from '../support/test-app.js';
import { createAccount, startVoiceApp } from '../support/voice.js';

const T0 = 1_800_000_000_000;
const STEP_MS = 100;
const RULE = parseRules('test', {
  rules: [{
    id: 'devices-share-account', match: { method: 'GET', path: '/v1/accounts/:accountId/calls' }, key: 'param.accountId',
    limits: [{ kind: 'shared', rate: 30, per: '1s', share: 10, member: 'header.x-device-id' }],
  }],
});

async function setUp() {
  const clock = createManualClock(T0);
  const app = await startVoiceApp({ rules: RULE, clock });
  const account = await createAccount(app.url);
  const send = (device: string) => fetch(`${app.url}/v1/accounts/${account.accountId}/calls`, { headers: { ...account.bearer, 'x-device-id': device } });

  /** One step of the clock: the devices ask round after round until each has been refused; admissions per device. */
  async function step(devices: readonly string[]): Promise<Record<string, number>> {
    const admitted = Object.fromEntries(devices.map((d) => [d, 0]));
    let active = [...devices];
    while (active.length > 0) {
      const answers = await Promise.all(active.map(async (d) => [d, (await send(d)).status] as const));
      for (const [d, status] of answers) if (status === 200) admitted[d]!++;
      active = answers.filter(([, status]) => status === 200).map(([d]) => d);
      expect(answers.every(([, status]) => status === 200 || status === 429)).toBe(true);
    }
    clock.advance(STEP_MS);
    return admitted;
  }

  /** Admissions per device over `seconds` of steps. */
  async function run(devices: readonly string[], seconds: number): Promise<Record<string, number>> {
    const total = Object.fromEntries(devices.map((d) => [d, 0]));
    for (let i = 0; i < (seconds * 1000) / STEP_MS; i++) {
      const admitted = await step(devices);
      for (const d of devices) total[d]! += admitted[d]!;
    }
    return total;
  }

  return { app, account, clock, send, step, run };
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

describe('a shared rule: account rate 30/1s, each device (header.x-device-id) assured 10', () => {
  it('lets one device alone borrow beyond its share: its burst of 20 at once, then about the whole rate', async () => {
    const { run, step, send, app, account } = await setUp();
    // A full account: 10 within the share, then borrowing while the account keeps one share (10) in reserve.
    expect(await step(['dev-a'])).toEqual({ 'dev-a': 20 });
    const alone = await run(['dev-a'], 3);
    // Its share alone would be 30 in 3 s; borrowing, it takes about the account's rate (90).
    expect(alone['dev-a']).toBeGreaterThanOrEqual(80);
    expect(alone['dev-a']).toBeLessThanOrEqual(90);

    // At one instant the device takes what it may, then is refused (the clock stands still).
    let refused = await send('dev-a');
    for (let i = 0; refused.status === 200 && i < 30; i++) refused = await send('dev-a');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('ratelimit-policy')).toBe('"devices-share-account/1s";q=10;w=1');
    expect((await jsonOf(refused)).error).toMatchObject({ code: 'REQUEST_LIMIT_REACHED', rule: 'devices-share-account', limit: 10, window: '1s', retryAfter: 1 });
    // One state for the account, the device in it by its HMAC (never the raw header).
    const { state } = await app.stores.state.read({ caller: TEST_HASHER.hash(account.accountId), api: 'devices-share-account' }, { timeoutMs: 1_000 });
    expect(Object.keys(JSON.parse(state!).m)).toEqual([TEST_HASHER.hash('dev-a')]);
    expect(state).not.toContain('dev-a');
  });

  it('gives each of three active devices its share, whoever borrowed first', async () => {
    const { run, step, app, account } = await setUp();
    const devices = ['dev-a', 'dev-b', 'dev-c'];
    // dev-a starts alone and borrows the account down to its reserve...
    expect((await step(['dev-a']))['dev-a']).toBe(20);
    // ...then all three ask at once for a second, and on: dev-a is pushed back to its share.
    await run(devices, 1);
    const counts = await run(devices, 3);
    for (const d of devices) {
      expect(counts[d], d).toBeGreaterThanOrEqual(27);
      expect(counts[d], d).toBeLessThanOrEqual(33);
    }
    // Never more than the account's rate over the 3 s (it was drained at their start).
    expect(sum(counts)).toBeLessThanOrEqual(90);
    expect(sum(counts)).toBeGreaterThanOrEqual(87);
    const { state } = await app.stores.state.read({ caller: TEST_HASHER.hash(account.accountId), api: 'devices-share-account' }, { timeoutMs: 1_000 });
    expect(Object.keys(JSON.parse(state!).m).sort()).toEqual(devices.map((d) => TEST_HASHER.hash(d)).sort());
  });

  it('lets a device that wakes up among busy ones have its share at once, and the account stays within its rate', async () => {
    const { run, step } = await setUp();
    // Two devices share the account between them, borrowing what the third leaves.
    const two = await run(['dev-a', 'dev-b'], 2);
    for (const d of ['dev-a', 'dev-b']) expect(two[d], d).toBeGreaterThan(30);
    // The account's rate over 2 s plus its burst, never more.
    expect(sum(two)).toBeLessThanOrEqual(30 * 2 + 30);
    // dev-c wakes up: it finds the reserve the borrowers had to leave, and takes its burst (a share) at once.
    const woke = await step(['dev-a', 'dev-b', 'dev-c']);
    expect(woke['dev-c']).toBeGreaterThanOrEqual(8);
    const three = await run(['dev-a', 'dev-b', 'dev-c'], 2);
    for (const d of ['dev-a', 'dev-b', 'dev-c']) {
      expect(three[d], d).toBeGreaterThanOrEqual(18);
      expect(three[d], d).toBeLessThanOrEqual(22);
    }
    expect(sum(woke) + sum(three)).toBeLessThanOrEqual(30 * 2.1 + 30);
  });

  it('keeps accounts apart: another account\'s devices have the whole rate of their own', async () => {
    const { step, app } = await setUp();
    expect(await step(['dev-a'])).toEqual({ 'dev-a': 20 });
    const other = await createAccount(app.url, 'other');
    const statuses = [];
    for (let i = 0; i < 21; i++) statuses.push((await fetch(`${app.url}/v1/accounts/${other.accountId}/calls`, { headers: { ...other.bearer, 'x-device-id': 'dev-a' } })).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
  });
});
