/**
 * Device, account and global window rules on one route at once, on the real node from two
 * instances (each its own client and app), requests sent at once: the binding tier caps its total
 * exactly, and no refused request consumed a window of another tier (all or nothing). The windows
 * are read back from the call log both instances write, with a cap far above any limit so that
 * an over-count would show.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { parseRules } from '../../src/rules/parse-rules.js';
import { uniqueId } from '../support/cassandra.js';
import { postJson, TEST_HASHER, type TestApp } from '../support/test-app.js';
import { atOnce, startInstances, tally } from './two-instances.js';

const SIGNUP = { method: 'POST', path: '/v1/signup' };
const HOUR_MS = 3_600_000;
const ACCOUNTS = ['acct-1', 'acct-2'];
const DEVICES = ['desk', 'phone', 'softphone'];

interface Tiers {
  device: number;
  account: number;
  global: number;
}

function tieredRules(ids: Record<keyof Tiers, string>, limits: Tiers) {
  // deny: a store failure is a 503, never an admission decided without the store.
  const rule = (id: string, key: unknown, count: number) => ({ id, match: SIGNUP, key, limits: [{ count, window: '1h' }], onStoreError: 'deny' });
  return parseRules('test', {
    rules: [
      rule(ids.device, ['header.x-account-id', 'header.x-device-id'], limits.device),
      rule(ids.account, 'header.x-account-id', limits.account),
      rule(ids.global, 'global', limits.global),
    ],
  });
}

/** Every (account, device) pair sends `each` signups; all at once, alternating instances. */
async function flood(apps: readonly TestApp[], each: number) {
  const senders = ACCOUNTS.flatMap((account) => DEVICES.map((device) => ({ account, device })));
  const n = senders.length * each;
  const statuses = await atOnce(apps, n, async (app, i) => {
    const { account, device } = senders[i % senders.length]!;
    const response = await postJson(`${app.url}/v1/signup`, { phone: '+14155551212' }, { 'x-account-id': account, 'x-device-id': device });
    return response.status;
  });
  const admitted = (match: (s: { account: string; device: string }) => boolean) => statuses.filter((status, i) => status === 201 && match(senders[i % senders.length]!)).length;
  return { statuses, admitted };
}

/** Calls recorded in a rule's window for one key value (compound keys as the key extractor spells them). */
async function recorded(app: TestApp, ruleId: string, keyValue: string): Promise<number> {
  const state = await app.stores.callLog.read({ api: ruleId, caller: TEST_HASHER.hash(keyValue) }, systemClock() - HOUR_MS, 1_000, { timeoutMs: 10_000 });
  return state.callsMs.length;
}

async function expectWindowsMatchAdmissions(app: TestApp, ids: Record<keyof Tiers, string>, admitted: Awaited<ReturnType<typeof flood>>['admitted']) {
  for (const account of ACCOUNTS) {
    expect(await recorded(app, ids.account, account), `account ${account}`).toBe(admitted((s) => s.account === account));
    for (const device of DEVICES) {
      const pair = JSON.stringify([account, device]);
      expect(await recorded(app, ids.device, pair), `device ${pair}`).toBe(admitted((s) => s.account === account && s.device === device));
    }
  }
  expect(await recorded(app, ids.global, 'global')).toBe(admitted(() => true));
}

describe('device, account and global windows at once on Cassandra, two instances', () => {
  it('the global rule caps the total at exactly 12; refused requests consumed no device or account window', async () => {
    const ids = { device: uniqueId('device'), account: uniqueId('account'), global: uniqueId('global') };
    // Devices could pass 6 x 4 = 24 and accounts 2 x 9 = 18: the global 12 binds.
    const apps = await startInstances({ rules: tieredRules(ids, { device: 4, account: 9, global: 12 }), clock: systemClock });
    const { statuses, admitted } = await flood(apps, 6);
    expect(tally(statuses.map(String))).toEqual([['201', 12], ['429', 24]]);
    for (const device of DEVICES) for (const account of ACCOUNTS) expect(admitted((s) => s.account === account && s.device === device)).toBeLessThanOrEqual(4);
    await expectWindowsMatchAdmissions(apps[1]!, ids, admitted);
    // The limit admin (GET /v1/admin/limits, tollgate usage show) reads the same: the global window is full.
    const report = await apps[0]!.composed.limits.inspect(ids.global, ['global']);
    expect(report).toMatchObject({ windows: [{ count: 12, used: 12, full: true }], next: 'denied' });
  });

  it('each account capped at exactly 5 while the global rule has room; the refusals consumed neither device nor global windows', async () => {
    const ids = { device: uniqueId('device'), account: uniqueId('account'), global: uniqueId('global') };
    const apps = await startInstances({ rules: tieredRules(ids, { device: 3, account: 5, global: 100 }), clock: systemClock });
    const { statuses, admitted } = await flood(apps, 4);
    expect(tally(statuses.map(String))).toEqual([['201', 10], ['429', 14]]);
    for (const account of ACCOUNTS) expect(admitted((s) => s.account === account)).toBe(5);
    await expectWindowsMatchAdmissions(apps[0]!, ids, admitted);
    const report = await apps[1]!.composed.limits.inspect(ids.global, ['global']);
    expect(report).toMatchObject({ windows: [{ count: 100, used: 10, full: false }], next: 'admitted' });
  });
});
