/**
 * The CLI against the real node, as an operator runs it (the bin, the service's settings):
 * explain reads the stored counts without counting, usage show/reset find the caller by its raw
 * key, and rules kept in system_settings are loaded beside RULES_DIR's, as the service does.
 */
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { createKeyHasher } from '../../src/keys/key-hasher.js';
import { TEST_CONTACT_POINT, TEST_KEYSPACE, connectTestClient, testCallLog, testStores, uniqueId } from '../support/cassandra.js';
import { CLI_KEY_SECRET, dirWith, runBin } from '../unit/cli/cli-support.js';

const hash = createKeyHasher(CLI_KEY_SECRET).hash;
const PHONE = '+14155551212';
let client: cassandra.Client;

beforeAll(async () => {
  client = await connectTestClient();
});
afterAll(async () => {
  await client.shutdown();
});

describe('tollgate on Cassandra', () => {
  const ruleId = uniqueId('cli-per-phone');
  const rulesDir = dirWith({ 'signup.json': JSON.stringify({ rules: [{ id: ruleId, match: { method: 'POST', path: '/v1/signup' }, key: 'body.phone', normalize: 'e164', limits: [{ count: 3, window: '1h' }] }] }) });
  const env = { CASSANDRA_CONTACT_POINTS: TEST_CONTACT_POINT, CASSANDRA_KEYSPACE: TEST_KEYSPACE, RULES_DIR: rulesDir };
  const partition = { caller: hash(PHONE), api: ruleId };
  const stored = () => testCallLog(client).read(partition, systemClock() - 3_600_000, 3, { timeoutMs: 10_000 });

  it('explains a signup with the stored counts, counting nothing; usage show and reset find the caller by its raw key', async () => {
    const now = systemClock();
    await testCallLog(client).appendMany(partition, 0, [now - 120_000, now - 60_000], 3_660, { timeoutMs: 10_000 });

    const explained = await runBin(['rules', 'explain', '--method', 'POST', '--path', '/v1/signup', '--body', '{"phone": "(415) 555-1212"}'], env);
    expect(explained.code).toBe(0);
    // Other files share the keyspace's system_settings, so other rules may be listed too: read ours.
    const at = explained.out.indexOf(`rule ${ruleId} (${rulesDir}/signup.json): counted: decides on the request`);
    expect(at).toBeGreaterThan(0);
    expect(explained.out.slice(at + 1, at + 5)).toEqual([
      '  key body.phone: "(415) 555-1212" -> "+14155551212"',
      `  partition: ${hash(PHONE)}`,
      '  window 1h: 2 of 3 used (1 left)',
      '  decision: admitted',
    ]);
    expect(explained.out).toContain('result: admitted by the throttle (the handler answers)');
    expect(explained.out.at(-1)).toMatch(/^\(read from the cassandra store at /);
    expect(explained.err).toEqual([]);
    expect((await stored()).version).toBe(1);

    const shown = await runBin(['usage', 'show', ruleId, '415 555 1212'], env);
    expect(shown.code).toBe(0);
    expect(shown.out[1]).toBe(`partition ${hash(PHONE)} (current secret): version 1, 2 call(s) in the longest window`);
    expect(shown.out.slice(-2)).toEqual(['window 1h: 2 of 3 used (1 left)', 'next request: admitted']);

    const reset = await runBin(['usage', 'reset', ruleId, PHONE, '--json'], env);
    expect(reset.code).toBe(0);
    expect(JSON.parse(reset.out.join('\n'))).toMatchObject({ reset: { rule: ruleId, partitions: [hash(PHONE)] }, usage: { windows: [{ used: 0 }], next: 'admitted' } });
    expect((await stored()).callsMs).toEqual([]);
  });

  it('loads the rules kept in system_settings beside RULES_DIR, as the service does', async () => {
    const settingRule = uniqueId('cli-from-setting');
    const stores = testStores(client);
    const value = JSON.stringify({ rules: [{ id: settingRule, match: { path: '/v1/signup' }, key: 'body.email', normalize: 'email', limits: [{ count: 2, window: '1m' }] }] });
    const revision = await stores.settings.revision();
    const audit = { atMs: systemClock(), who: 'test', name: `rule:${settingRule}`, subject: `rule ${settingRule}`, oldHash: '', newHash: '', before: null, after: value };
    expect((await stores.settings.write({ name: `rule:${settingRule}`, value, expectedRevision: revision, audit })).applied).toBe(true);

    const shown = await runBin(['usage', 'show', settingRule, 'Bob@Example.com'], env);
    expect(shown.code).toBe(0);
    expect(shown.out[0]).toBe(`rule ${settingRule}, key "Bob@Example.com" -> "bob@example.com"`);
    // The keyspace's settings are shared with other files: take the rule out again.
    const removal = { ...audit, atMs: systemClock(), before: value, after: null };
    expect((await stores.settings.write({ name: `rule:${settingRule}`, value: null, expectedRevision: await stores.settings.revision(), audit: removal })).applied).toBe(true);
  });
});
