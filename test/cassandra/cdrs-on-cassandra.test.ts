/** The CDR routes on the real node: paging with signed tokens across day partitions, and the export. */
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Cdr } from '../../src/domains/cdrs/cdr.js';
import { cdrResourceOf } from '../../src/domains/cdrs/cdrs.js';
import { CassandraCdrRepository } from '../../src/store/cassandra/cassandra-cdr-repository.js';
import { connectTestClient, testDomainOptions, testStores } from '../support/cassandra.js';
import { CountingCdrRepository, openPaused, parseCsv, parseNdjson, readToEnd, seedCdrs, serveOnUnixSocket, settled } from '../support/cdr-exports.js';
import type { TestApp } from '../support/test-app.js';
import { jsonOf } from '../support/test-app.js';
import { createAccount, startVoiceApp, type TestAccount } from '../support/voice.js';

const DAY = 86_400_000;
const EXPORTED = 4_000;

let client: cassandra.Client;
let app: TestApp;
let counting: CountingCdrRepository;
let exporter: TestAccount;
let exported: Cdr[];

beforeAll(async () => {
  client = await connectTestClient();
  counting = new CountingCdrRepository(new CassandraCdrRepository(client, testDomainOptions()));
  app = await startVoiceApp({ stores: { ...testStores(client), cdrs: counting } });
  exporter = await createAccount(app.url);
  // Over three days, so the export crosses day partitions and several reads of each.
  exported = (await seedCdrs(counting, exporter.accountId, EXPORTED, app.clock() - 1_000, Math.floor((3 * DAY) / EXPORTED))).reverse();
});
afterAll(async () => {
  await client.shutdown();
});

const exportOf = (account: TestAccount, query: string) => fetch(`${app.url}/v1/accounts/${account.accountId}/cdrs/export${query}`, { headers: account.bearer });

describe('CDR routes on Cassandra', () => {
  it('pages a date range newest first with pageToken, across day partitions, and keeps accounts apart', async () => {
    const [a, b] = [await createAccount(app.url), await createAccount(app.url)];
    const cdrs = await seedCdrs(app.stores.cdrs, a.accountId, 60, app.clock() - 1_000, 2 * 3_600_000);
    await seedCdrs(app.stores.cdrs, b.accountId, 10, app.clock() - 1_000, 3_600_000);
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const query = `?startDate=${new Date(app.clock() - 10 * DAY).toISOString()}&pageSize=7${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`;
      const response = await fetch(`${app.url}/v1/accounts/${a.accountId}/cdrs${query}`, { headers: pages % 2 === 0 ? a.bearer : a.basic });
      expect(response.status).toBe(200);
      const body = await jsonOf(response);
      expect(body.cdrs.length).toBeLessThanOrEqual(7);
      seen.push(...body.cdrs.map((c: { call_sid: string }) => c.call_sid));
      token = body.nextPageToken;
      pages++;
    } while (token !== null && pages < 50);
    expect(seen).toEqual(cdrs.map((c) => c.callSid));
    expect(pages).toBeGreaterThanOrEqual(9);
    const bySid = await jsonOf(await fetch(`${app.url}/v1/accounts/${a.accountId}/cdrs?callSid=${cdrs[7]!.callSid}`, { headers: a.bearer }));
    expect(bySid.cdrs).toEqual([cdrResourceOf(cdrs[7]!)]);
  });

  it('exports a few thousand CDRs as CSV and as NDJSON, oldest first', async () => {
    const csv = await exportOf(exporter, '');
    expect(csv.status).toBe(200);
    const rows = parseCsv(await csv.text());
    expect(rows).toHaveLength(EXPORTED);
    expect(rows.map((r) => r.call_sid)).toEqual(exported.map((c) => c.callSid));
    expect(rows[0]).toEqual(Object.fromEntries(Object.entries(cdrResourceOf(exported[0]!)).map(([k, v]) => [k, String(v)])));
    const ndjson = parseNdjson(await (await exportOf(exporter, '?format=ndjson')).text());
    expect(ndjson).toEqual(exported.map(cdrResourceOf));
  });

  it('reads no further than the buffers while the client does not read', async () => {
    const served = await serveOnUnixSocket(app.composed.listener);
    onTestFinished(() => served.close());
    const before = counting.yielded;
    const opened = await openPaused(`/v1/accounts/${exporter.accountId}/cdrs/export?format=ndjson`, exporter.bearer, served.socketPath);
    try {
      // What the Unix socket and the streams' buffers hold (about 700 NDJSON lines), not the export.
      expect((await settled(() => counting.yielded)) - before).toBeLessThan(2_000);
      expect(parseNdjson(await readToEnd(opened))).toHaveLength(EXPORTED);
    } finally {
      opened.response.destroy();
    }
  });
});
