/**
 * The decision API on the real node from two instances (each its own client and app): Kazoo
 * rate-limit documents stored through the routes, then packet checks (POST /v1/throttle/check)
 * sent at once. Exact mode admits exactly the limit across instances, all or nothing across the
 * device and account tiers; fast mode admits at least the limit and no more than the bound
 * documented at the top of src/engine/limiters/fast-limiter.ts, the excess printed.
 * Both instances share one manual clock inside one minute, so no window edge falls in a test.
 */
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { uniqueId } from '../support/cassandra.js';
import { jsonOf, postJson, TEST_HASHER, type TestApp } from '../support/test-app.js';
import { createAccount, type TestAccount } from '../support/voice.js';
import { atOnce, startInstances } from './two-instances.js';

const DECISION_TOKEN = 'decision-token-h9-0123456789abcdef';
/** A minute's start plus 10 s: 50 s of the same per_minute window either side of any test. */
const T0 = 1_800_000_000_000 + 10_000;
const INVITES_PER_MINUTE = 25;

interface Answer {
  allowed: boolean;
  rule: string | null;
}

async function setUp() {
  const apps = await startInstances({ clock: createManualClock(T0), decisionToken: DECISION_TOKEN });
  const account = await createAccount(apps[0]!.url, uniqueId('sbc'));
  return { apps, account };
}

/** Stores a document through the app's routes (POST .../rate_limits {data}). */
async function putDocument(url: string, data: unknown, account: TestAccount): Promise<void> {
  const response = await postJson(url, { data }, account.bearer);
  expect(response.status).toBe(200);
}

async function check(app: TestApp, body: Record<string, unknown>): Promise<Answer> {
  const response = await postJson(`${app.url}/v1/throttle/check`, body, { authorization: `Bearer ${DECISION_TOKEN}` });
  expect(response.status).toBe(200);
  return jsonOf(response);
}

/**
 * The invites per minute an account's exact state holds (limiters/packet-spec.ts: counts
 * [registrations, invites, total_packets] per second then per minute, the account's in "p" and
 * each device's in "d" under the HMAC of account/device).
 */
async function counted(app: TestApp, accountId: string, device?: string): Promise<number> {
  const { state } = await app.stores.state.read({ api: 'rate_limits', caller: TEST_HASHER.hash(accountId) }, { timeoutMs: 10_000 });
  if (state === undefined) return 0;
  const parsed = JSON.parse(state) as { p: number[]; d: Record<string, number[]> };
  const counts = device === undefined ? parsed.p : parsed.d[TEST_HASHER.hash(`${accountId}/${device}`)];
  return counts?.[4] ?? 0;
}

describe('packet checks on Cassandra, two instances', () => {
  it('exact: 60 invites at once from three devices admit exactly the account\'s 25 a minute; refused checks counted nowhere', async () => {
    const { apps, account } = await setUp();
    const [a, b] = apps as [TestApp, TestApp];
    const base = (app: TestApp) => `${app.url}/v1/accounts/${account.accountId}`;
    await putDocument(`${base(a)}/rate_limits`, { account: { per_minute: { invites: INVITES_PER_MINUTE } } }, account);
    const devices: string[] = [];
    for (let i = 0; i < 3; i++) {
      const device = await jsonOf(await postJson(`${base(b)}/devices`, { name: `desk ${i}` }, account.bearer));
      // Each device may send 10 a minute: 30 together, so the account's 25 binds.
      await putDocument(`${base(b)}/devices/${device.sid}/rate_limits`, { per_minute: { invites: 10 } }, account);
      devices.push(device.sid);
    }

    const answers = await atOnce(apps, 60, (app, i) => check(app, { account: account.accountId, device: devices[i % 3], kind: 'invite', ip: '203.0.113.9' }));
    expect(answers.filter((x) => x.allowed)).toHaveLength(INVITES_PER_MINUTE);
    const refusedBy = new Set(answers.filter((x) => !x.allowed).map((x) => x.rule));
    expect([...refusedBy].every((rule) => rule === 'rate_limits:account:invites:per_minute' || rule === 'rate_limits:device:invites:per_minute')).toBe(true);

    // The counters in Cassandra: the account's holds 25, each device's exactly what it was allowed.
    expect(await counted(a, account.accountId)).toBe(INVITES_PER_MINUTE);
    for (const [d, device] of devices.entries()) {
      const allowed = answers.filter((x, i) => x.allowed && i % 3 === d).length;
      expect(allowed).toBeLessThanOrEqual(10);
      expect(await counted(b, account.accountId, device)).toBe(allowed);
    }
    // A registration is not an invite: the invite limits do not count it.
    expect((await check(b, { account: account.accountId, device: devices[0], kind: 'registration' })).allowed).toBe(true);
  });

  it('fast: at least the limit, at most the documented bound, at once (no sync) and in rounds synced between', async () => {
    const N = 2;
    const runs: string[] = [];
    const fastRun = async (rounds: number, perRound: number) => {
      const { apps, account } = await setUp();
      await putDocument(`${apps[0]!.url}/v1/accounts/${account.accountId}/rate_limits`, { account: { per_minute: { invites: INVITES_PER_MINUTE } }, consistency: 'fast' }, account);
      let allowed = 0;
      for (let round = 0; round < rounds; round++) {
        const answers = await atOnce(apps, perRound, (app) => check(app, { account: account.accountId, kind: 'invite' }));
        allowed += answers.filter((x) => x.allowed).length;
        // The sync job's tick, by hand: each publishes, then reads; the first again to read the second's publish.
        const fast = apps.map((app) => app.composed.limiters.fast);
        for (const limiter of [...fast, fast[0]!]) await limiter.sync();
      }
      for (const app of apps) expect(app.composed.limiters.fast.stats().failures).toBe(0);
      return allowed;
    };

    // All 60 in one burst, no sync: shorter than D, so the bound is the ceiling N * limit (each instance alone <= limit).
    const burst = await fastRun(1, 60);
    runs.push(`one burst of 60, no sync: allowed ${burst}, excess ${burst - INVITES_PER_MINUTE}, bound ${N * INVITES_PER_MINUTE}`);
    expect(burst).toBeGreaterThanOrEqual(INVITES_PER_MINUTE);
    expect(burst).toBeLessThanOrEqual(N * INVITES_PER_MINUTE);

    // Six rounds of 10 (5 per instance), synced between: what an instance does not know of another
    // is at most that one's admissions of one round (r * D = 5), so limit + (N - 1) * 5.
    const perInstancePerRound = 5;
    const rounds = await fastRun(6, N * perInstancePerRound);
    const bound = INVITES_PER_MINUTE + (N - 1) * perInstancePerRound;
    runs.push(`six rounds of 10 synced between: allowed ${rounds}, excess ${rounds - INVITES_PER_MINUTE}, bound ${bound}`);
    expect(rounds).toBeGreaterThanOrEqual(INVITES_PER_MINUTE);
    expect(rounds).toBeLessThanOrEqual(bound);
    console.log(`fast packet checks on Cassandra, limit ${INVITES_PER_MINUTE}/min, ${N} instances: ${runs.join('; ')}`);
  });
});
