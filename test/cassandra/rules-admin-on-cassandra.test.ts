/**
 * Live rule administration on the real node, two instances sharing it: a change made through one
 * is enforced by the other after its settings poll; concurrent writers guarded by If-Match on
 * different instances cannot both win; the audit trail is read back from Cassandra.
 */
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { pollSettings } from '../../src/jobs/poll-settings.js';
import { createFileRuleSource } from '../../src/rules/load-rule-files.js';
import { createSettingsRuleSource } from '../../src/rules/settings-rule-source.js';
import { cassandraStores } from '../../src/store/cassandra/cassandra-stores.js';
import { migrate } from '../../src/store/cassandra/migrate.js';
import { connectTestClient, testDomainOptions, TEST_KEYSPACE, uniqueId } from '../support/cassandra.js';
import { jsonOf, signupStatuses } from '../support/test-app.js';
import { ADMIN_TOKEN, requestJson, startVoiceApp } from '../support/voice.js';

const clients: cassandra.Client[] = [];
// system_settings is one table per keyspace, and other files write settings too (the CLI's test):
// this file gets a keyspace of its own, so the versions it compares are only its own changes.
const KEYSPACE = `${TEST_KEYSPACE}_rules_admin`;
afterAll(async () => {
  await clients[0]?.execute(`DROP KEYSPACE IF EXISTS ${KEYSPACE}`);
  await Promise.all(clients.map((c) => c.shutdown()));
});

async function instance() {
  const client = await connectTestClient();
  clients.push(client);
  const stores = cassandraStores(client, { ...testDomainOptions(), keyspace: KEYSPACE });
  const app = await startVoiceApp({ clock: systemClock, stores, ruleSources: [createFileRuleSource('test/fixtures/rules/admin'), createSettingsRuleSource(stores.settings)] });
  return { app, poll: pollSettings(stores.settings, app.rulesInForce!, await stores.settings.revision()) };
}

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
let a: Awaited<ReturnType<typeof instance>>;
let b: Awaited<ReturnType<typeof instance>>;
beforeAll(async () => {
  const setup = await connectTestClient();
  await setup.execute(`DROP KEYSPACE IF EXISTS ${KEYSPACE}`);
  await migrate(setup, { keyspace: KEYSPACE, replication: "{'class': 'SimpleStrategy', 'replication_factor': 1}" });
  await setup.shutdown();
  [a, b] = [await instance(), await instance()];
});

describe('rule administration on Cassandra, two instances', () => {
  it('converges: a rule put through one instance is enforced by the other after its poll', async () => {
    const id = uniqueId('email');
    const put = await requestJson('PUT', `${a.app.url}/v1/admin/rules/${id}`, { match: { method: 'POST', path: '/v1/signup' }, key: 'body.email', normalize: 'email', limits: [{ count: 1, window: '1h' }] }, admin);
    expect(put.status).toBe(200);
    const { version } = await jsonOf(put);
    await b.poll();
    const email = `${id}@example.com`;
    expect(await signupStatuses(b.app.url, [{ email }, { email }])).toEqual([201, 429]);
    const seenByB = await jsonOf(await fetch(`${b.app.url}/v1/admin/rules`, { headers: admin }));
    expect(seenByB.version).toBe(version);
    expect(seenByB.rules.find((r: { id: string }) => r.id === id).source).toBe(`setting:rule:${id}`);
    const audit = await jsonOf(await fetch(`${a.app.url}/v1/admin/audit?pageSize=5`, { headers: admin }));
    expect(audit.entries.find((e: { subject: string }) => e.subject === `rule ${id}`)).toMatchObject({ who: 'admin', newHash: version });
    await requestJson('DELETE', `${a.app.url}/v1/admin/rules/${id}`, undefined, admin);
  });

  it('lets one of two writers with the same If-Match win, across instances', async () => {
    await Promise.all([a.poll(), b.poll()]);
    const version = (await jsonOf(await fetch(`${a.app.url}/v1/admin/rules`, { headers: admin }))).version;
    const body = { match: { method: 'POST', path: '/v1/signup' }, key: 'body.email', normalize: 'email', limits: [{ count: 3, window: '1h' }] };
    const ids = [0, 1, 2, 3].map((i) => uniqueId(`race${i}`));
    const responses = await Promise.all([a, b, a, b].map((x, i) => requestJson('PUT', `${x.app.url}/v1/admin/rules/${ids[i]}`, body, { ...admin, 'if-match': `"${version}"` })));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 412, 412, 412]);
    // The keyspace's settings are shared with other files: take the winner out again.
    const winner = ids[responses.findIndex((r) => r.status === 200)]!;
    expect((await requestJson('DELETE', `${a.app.url}/v1/admin/rules/${winner}`, undefined, admin)).status).toBe(200);
  });
});
