/**
 * Devices and Kazoo rate-limit documents through the app on the real node, and effective() on
 * two instances sharing it. The system document is one row per keyspace, so this file has a
 * keyspace of its own (the contract suite writes one too).
 */
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/clock.js';
import { createRateLimits } from '../../src/domains/rate-limits/rate-limits.js';
import { KAZOO_ACCOUNT_EXAMPLE, KAZOO_DEVICE_EXAMPLE } from '../../src/http/api/rate-limit-routes.js';
import { cassandraStores } from '../../src/store/cassandra/cassandra-stores.js';
import { migrate } from '../../src/store/cassandra/migrate.js';
import type { Stores } from '../../src/stores.js';
import { connectTestClient, testDomainOptions, TEST_KEYSPACE } from '../support/cassandra.js';
import { jsonOf, postJson, type TestApp } from '../support/test-app.js';
import { ADMIN_TOKEN, createAccount, requestJson, startVoiceApp, type TestAccount } from '../support/voice.js';

const KEYSPACE = `${TEST_KEYSPACE}_rate_limits`;
const T0 = 1_800_000_000_000;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const clients: cassandra.Client[] = [];
const stores: Stores[] = [];
let app: TestApp;
let account: TestAccount;
let base: string;

beforeAll(async () => {
  const setup = await connectTestClient();
  await setup.execute(`DROP KEYSPACE IF EXISTS ${KEYSPACE}`);
  await migrate(setup, { keyspace: KEYSPACE, replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}" });
  await setup.shutdown();
  for (let i = 0; i < 2; i++) {
    const client = await connectTestClient();
    clients.push(client);
    stores.push(cassandraStores(client, { ...testDomainOptions(), keyspace: KEYSPACE }));
  }
  app = await startVoiceApp({ stores: stores[0]!, clock: createManualClock(T0) });
  account = await createAccount(app.url);
  base = `${app.url}/v1/accounts/${account.accountId}`;
});
afterAll(async () => {
  await clients[0]?.execute(`DROP KEYSPACE IF EXISTS ${KEYSPACE}`);
  await Promise.all(clients.map((client) => client.shutdown()));
});

const createDevice = async (name: string) => jsonOf(await postJson(`${base}/devices`, { name }, account.bearer));

describe('devices and rate-limit documents on Cassandra', () => {
  it('round-trip the Kazoo examples verbatim, answer {} when none, and DELETE answers what it removed', async () => {
    const device = await createDevice('desk');
    const system = { data: { ...KAZOO_ACCOUNT_EXAMPLE.data, system: { per_second: { total_packets: 20_000 } } } };
    const documents = [[`${base}/rate_limits`, account.bearer, KAZOO_ACCOUNT_EXAMPLE], [`${base}/devices/${device.sid}/rate_limits`, account.basic, KAZOO_DEVICE_EXAMPLE], [`${app.url}/v1/admin/rate_limits`, admin, system]] as const;
    for (const [url, headers, document] of documents) {
      expect(await jsonOf(await fetch(url, { headers }))).toEqual({ data: {} });
      const posted = await postJson(url, document, headers);
      expect(posted.status).toBe(200);
      expect(await jsonOf(posted)).toEqual(document);
      expect(await jsonOf(await fetch(url, { headers }))).toEqual(document);
    }
    for (const [url, headers, document] of documents) {
      expect(await jsonOf(await requestJson('DELETE', url, undefined, headers))).toEqual(document);
      expect(await jsonOf(await fetch(url, { headers }))).toEqual({ data: {} });
    }
  });

  it('refuses a bad document with its path and a foreign device with 404, storing nothing', async () => {
    const device = await createDevice('desk');
    const url = `${base}/devices/${device.sid}/rate_limits`;
    const bad = await postJson(url, { data: { per_second: { invites: -4 } } }, account.bearer);
    expect(bad.status).toBe(400);
    expect((await jsonOf(bad)).error).toMatchObject({ code: 'INVALID_REQUEST', field: 'data.per_second.invites' });
    const other = await createAccount(app.url, 'other');
    const foreign = await postJson(`${app.url}/v1/accounts/${other.accountId}/devices/${device.sid}/rate_limits`, KAZOO_DEVICE_EXAMPLE, other.bearer);
    expect(foreign.status).toBe(404);
    expect(await stores[0]!.rateLimits.get({ scope: 'device', accountSid: account.accountId, deviceSid: device.sid })).toBeUndefined();
    expect(await stores[0]!.rateLimits.get({ scope: 'device', accountSid: other.accountId, deviceSid: device.sid })).toBeUndefined();
  });

  it('lists devices a page at a time with Cassandra\'s paging state, and deleting one deletes its document', async () => {
    const owner = await createAccount(app.url, 'paged');
    const devicesUrl = `${app.url}/v1/accounts/${owner.accountId}/devices`;
    const sids: string[] = [];
    for (let i = 0; i < 3; i++) {
      sids.push((await jsonOf(await postJson(devicesUrl, { name: `desk ${i}` }, owner.bearer))).sid);
      (app.clock as ManualClock).advance(1_000);
    }
    const seen: string[] = [];
    let token: string | null = null;
    do {
      const page = await jsonOf(await fetch(`${devicesUrl}?pageSize=1${token === null ? '' : `&pageToken=${token}`}`, { headers: owner.bearer }));
      seen.push(...page.devices.map((d: { sid: string }) => d.sid));
      token = page.nextPageToken;
    } while (token !== null);
    expect(seen).toEqual(sids);

    await postJson(`${devicesUrl}/${sids[1]}/rate_limits`, KAZOO_DEVICE_EXAMPLE, owner.bearer);
    expect((await requestJson('DELETE', `${devicesUrl}/${sids[1]}`, undefined, owner.bearer)).status).toBe(204);
    expect(await stores[0]!.rateLimits.get({ scope: 'device', accountSid: owner.accountId, deviceSid: sids[1]! })).toBeUndefined();
    expect((await fetch(`${devicesUrl}/${sids[1]}`, { headers: owner.bearer })).status).toBe(404);
  });

  it('effective(): Kazoo\'s precedence on the stored documents; another instance sees a write within cacheMs and one read', async () => {
    const device = await createDevice('desk');
    const clock = createManualClock(T0);
    const [here, there] = stores.map((s) => createRateLimits({ repository: s.rateLimits, clock, cacheMs: 1_000 }));
    const system = { device: { per_second: { invites: 9 } }, account: { per_minute: { invites: 500 } }, consistency: 'fast' };
    await here!.put({ scope: 'system' }, system);
    expect(await there!.effective(account.accountId, device.sid)).toEqual({
      device: { limits: system.device, source: 'system', consistency: 'fast' },
      account: { limits: system.account, source: 'system', consistency: 'fast' },
    });

    await here!.put({ scope: 'account', accountSid: account.accountId }, KAZOO_ACCOUNT_EXAMPLE.data);
    await here!.put({ scope: 'device', accountSid: account.accountId, deviceSid: device.sid }, KAZOO_DEVICE_EXAMPLE.data);
    expect(await here!.effective(account.accountId, device.sid)).toMatchObject({ device: { source: 'device' }, account: { source: 'account' } });
    // The other instance still serves what it read, until its cache entries are cacheMs old; then
    // once more while one read refreshes them in the background, and what it read from then on.
    expect(await there!.effective(account.accountId, device.sid)).toMatchObject({ device: { source: 'system' }, account: { source: 'system' } });
    clock.advance(1_000);
    expect(await there!.effective(account.accountId, device.sid)).toMatchObject({ device: { source: 'system' }, account: { source: 'system' } });
    await expect.poll(async () => (await there!.effective(account.accountId, device.sid)).device?.source).toBe('device');
    expect(await there!.effective(account.accountId, device.sid)).toEqual({
      device: { limits: KAZOO_DEVICE_EXAMPLE.data, source: 'device', consistency: 'exact' },
      account: { limits: KAZOO_ACCOUNT_EXAMPLE.data.account, source: 'account', consistency: 'exact' },
    });
    await here!.delete({ scope: 'system' });
  });
});
