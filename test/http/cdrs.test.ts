import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { cdrResourceOf } from '../../src/domains/cdrs/cdrs.js';
import { newSid } from '../../src/domains/shared/sids.js';
import { MemoryCdrRepository } from '../../src/store/memory/memory-cdr-repository.js';
import { parseRules } from '../../src/rules/parse-rules.js';
import { CountingCdrRepository, openPaused, parseCsv, parseNdjson, readToEnd, seedCdrs, serveOnUnixSocket, settled } from '../support/cdr-exports.js';
import { jsonOf } from '../support/test-app.js';
import { createAccount, startVoiceApp, type TestAccount } from '../support/voice.js';

const DAY = 86_400_000;

async function appWithAccounts() {
  const app = await startVoiceApp();
  const [a, b] = [await createAccount(app.url), await createAccount(app.url)];
  return { app, a, b, now: app.clock() };
}

const cdrsUrl = (base: string, account: TestAccount, query = '') => `${base}/v1/accounts/${account.accountId}/cdrs${query}`;
const exportUrl = (base: string, account: TestAccount, query = '') => `${base}/v1/accounts/${account.accountId}/cdrs/export${query}`;

describe('GET /v1/accounts/:accountId/cdrs', () => {
  it('lists the last 30 days newest first, each CDR as a snake_case resource', async () => {
    const { app, a, now } = await appWithAccounts();
    const [recent, older] = await seedCdrs(app.stores.cdrs, a.accountId, 2, now - 1_000, 29 * DAY);
    await seedCdrs(app.stores.cdrs, a.accountId, 1, now - 31 * DAY, 1);
    const response = await fetch(cdrsUrl(app.url, a), { headers: a.bearer });
    expect(response.status).toBe(200);
    const body = await jsonOf(response);
    expect(body).toEqual({ cdrs: [cdrResourceOf(recent!), cdrResourceOf(older!)], nextPageToken: null });
    expect(body.cdrs[0]).toEqual({
      call_sid: recent!.callSid,
      account_id: a.accountId,
      from: '+14155550100',
      to: recent!.to,
      direction: 'outbound-api',
      start_time: expect.stringMatching(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/),
      end_time: expect.stringMatching(/\+0000$/),
      duration: 5,
      price: '-0.03000',
      price_unit: 'USD',
      status: 'completed',
    });
  });

  it('pages through a date range with nextPageToken, across days', async () => {
    const { app, a, now } = await appWithAccounts();
    const cdrs = await seedCdrs(app.stores.cdrs, a.accountId, 23, now - DAY, 3 * 3_600_000);
    const query = `?startDate=${new Date(now - 10 * DAY).toISOString()}&endDate=${new Date(now).toISOString()}&pageSize=5`;
    const seen: string[] = [];
    let token: string | null = null;
    do {
      const response = await fetch(cdrsUrl(app.url, a, query + (token ? `&pageToken=${encodeURIComponent(token)}` : '')), { headers: a.basic });
      expect(response.status).toBe(200);
      const body = await jsonOf(response);
      expect(body.cdrs.length).toBeLessThanOrEqual(5);
      seen.push(...body.cdrs.map((c: { call_sid: string }) => c.call_sid));
      token = body.nextPageToken;
    } while (token !== null);
    expect(seen).toEqual(cdrs.map((c) => c.callSid));
  });

  it('filters by callSid: the one CDR, or an empty list for an unknown, foreign or malformed sid', async () => {
    const { app, a, b, now } = await appWithAccounts();
    const [mine] = await seedCdrs(app.stores.cdrs, a.accountId, 3, now - 1_000, 60_000);
    const [theirs] = await seedCdrs(app.stores.cdrs, b.accountId, 1, now - 1_000, 1);
    const list = async (sid: string) => jsonOf(await fetch(cdrsUrl(app.url, a, `?callSid=${sid}`), { headers: a.bearer }));
    expect(await list(mine!.callSid)).toEqual({ cdrs: [cdrResourceOf(mine!)], nextPageToken: null });
    for (const sid of [theirs!.callSid, newSid('CA', now), 'CA123', 'nonsense']) expect(await list(sid)).toEqual({ cdrs: [], nextPageToken: null });
  });

  it.each([
    ['pageSize=0', 'query.pageSize'],
    ['pageSize=1001', 'query.pageSize'],
    ['pageSize=ten', 'query.pageSize'],
    ['startDate=yesterday', 'query.startDate'],
    ['startDate=2026-13-45', 'query.startDate'],
    ['endDate=2026-11-26T10:00:00', 'query.endDate'],
    ['startDate=2026-11-26&endDate=2026-11-25', 'query.endDate'],
    ['startDate=2025-01-01&endDate=2026-01-02', 'query.endDate'],
    ['startDate=2020-01-01', 'query.startDate'],
    ['callSid=CA00&startDate=2026-11-26', 'query.startDate'],
    ['callSid=CA00&pageToken=x.y', 'query.pageToken'],
    ['status=completed', 'query.status'],
    ['pageToken=not-a-token', 'query.pageToken'],
  ])('refuses %s with 400 naming %s, before the throttle counts it', async (query, field) => {
    const rules = parseRules('test', { rules: [{ id: 'cdr-reads', match: { method: 'GET', path: '/v1/accounts/:accountId/cdrs' }, key: 'param.accountId', limits: [{ count: 1, window: '1m' }] }] });
    const app = await startVoiceApp({ rules });
    const a = await createAccount(app.url);
    for (let i = 0; i < 2; i++) {
      const response = await fetch(cdrsUrl(app.url, a, `?${query}`), { headers: a.bearer });
      expect(response.status).toBe(400);
      expect((await jsonOf(response)).error).toMatchObject({ code: 'INVALID_REQUEST', field });
    }
    expect((await fetch(cdrsUrl(app.url, a), { headers: a.bearer })).status).toBe(200);
    expect((await fetch(cdrsUrl(app.url, a), { headers: a.bearer })).status).toBe(429);
  });

  it('refuses a page token that was altered, or replayed with other filters or by another account (400 pageToken)', async () => {
    const { app, a, b, now } = await appWithAccounts();
    await seedCdrs(app.stores.cdrs, a.accountId, 5, now - 1_000, 60_000);
    await seedCdrs(app.stores.cdrs, b.accountId, 5, now - 1_000, 60_000);
    const token: string = (await jsonOf(await fetch(cdrsUrl(app.url, a, '?pageSize=2&startDate=2026-06-01'), { headers: a.bearer }))).nextPageToken;
    const [payload, signature] = token.split('.');
    const altered = `${Buffer.from(JSON.stringify({ r: [0, now], p: 'CAffffffffffffffffffffffffffffffff' })).toString('base64url')}.${signature}`;
    const attempts: Array<[TestAccount, string]> = [
      [a, `?pageSize=2&startDate=2026-06-01&pageToken=${altered}`],
      [a, `?pageSize=2&startDate=2026-06-01&pageToken=${payload}.${signature}x`],
      [a, `?pageSize=2&startDate=2026-06-02&pageToken=${token}`],
      [a, `?pageSize=2&pageToken=${token}`],
      [b, `?pageSize=2&startDate=2026-06-01&pageToken=${token}`],
    ];
    for (const [account, query] of attempts) {
      const response = await fetch(cdrsUrl(app.url, account, query), { headers: account.bearer });
      expect(response.status).toBe(400);
      expect((await jsonOf(response)).error).toMatchObject({ code: 'INVALID_REQUEST', field: 'query.pageToken' });
    }
    // The same filters with another page size are the same listing.
    const next = await fetch(cdrsUrl(app.url, a, `?pageSize=3&startDate=2026-06-01&pageToken=${token}`), { headers: a.bearer });
    expect((await jsonOf(next)).cdrs).toHaveLength(3);
  });
});

describe('CDR isolation between accounts', () => {
  it('answers 403 on another account\'s path with either credential form, and never shows its CDRs', async () => {
    const { app, a, b, now } = await appWithAccounts();
    const ofA = await seedCdrs(app.stores.cdrs, a.accountId, 3, now - 1_000, 60_000);
    const ofB = await seedCdrs(app.stores.cdrs, b.accountId, 2, now - 2_000, 60_000);
    for (const headers of [b.bearer, b.basic]) {
      for (const url of [cdrsUrl(app.url, a), cdrsUrl(app.url, a, `?callSid=${ofA[0]!.callSid}`), exportUrl(app.url, a), exportUrl(app.url, a, '?format=ndjson')]) {
        const response = await fetch(url, { headers });
        expect(response.status).toBe(403);
        expect((await jsonOf(response)).error.code).toBe('FORBIDDEN');
      }
      const listed = await jsonOf(await fetch(cdrsUrl(app.url, b), { headers }));
      expect(listed.cdrs.map((c: { call_sid: string }) => c.call_sid)).toEqual(ofB.map((c) => c.callSid));
      const exported = parseNdjson(await (await fetch(exportUrl(app.url, b, '?format=ndjson'), { headers })).text());
      expect(exported).toEqual(ofB.map(cdrResourceOf).reverse());
    }
  });
});

describe('GET /v1/accounts/:accountId/cdrs/export', () => {
  it('exports the range oldest first as CSV by default, with a header row and an attachment name', async () => {
    const { app, a, b, now } = await appWithAccounts();
    const cdrs = await seedCdrs(app.stores.cdrs, a.accountId, 40, now - 1_000, 5 * 3_600_000);
    await seedCdrs(app.stores.cdrs, b.accountId, 5, now - 1_000, 60_000);
    const response = await fetch(exportUrl(app.url, a, '?startDate=2027-01-01&endDate=2027-01-15'), { headers: a.bearer });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="cdrs-${a.accountId}-20270101T000000Z-20270115T235959Z.csv"`);
    const text = await response.text();
    expect(text.split('\n')[0]).toBe('call_sid,account_id,from,to,direction,start_time,end_time,duration,price,price_unit,status');
    const expected = cdrs.map(cdrResourceOf).reverse();
    expect(parseCsv(text)).toEqual(expected.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)]))));
  });

  it('exports NDJSON with the listing\'s fields, one object per line', async () => {
    const { app, a, now } = await appWithAccounts();
    const cdrs = await seedCdrs(app.stores.cdrs, a.accountId, 25, now - 1_000, DAY);
    const response = await fetch(exportUrl(app.url, a, '?format=ndjson'), { headers: a.basic });
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(new RegExp(`^attachment; filename="cdrs-${a.accountId}-\\d{8}T\\d{6}Z-\\d{8}T\\d{6}Z\\.ndjson"$`));
    expect(parseNdjson(await response.text())).toEqual(cdrs.map(cdrResourceOf).reverse());
  });

  it('exports an empty range as a header row alone, or nothing in NDJSON', async () => {
    const { app, a } = await appWithAccounts();
    expect(await (await fetch(exportUrl(app.url, a), { headers: a.bearer })).text()).toBe('call_sid,account_id,from,to,direction,start_time,end_time,duration,price,price_unit,status\n');
    expect(await (await fetch(exportUrl(app.url, a, '?format=ndjson'), { headers: a.bearer })).text()).toBe('');
  });

  it.each([
    ['format=xml', 'query.format'],
    ['startDate=2026-11-26&endDate=2026-11-01', 'query.endDate'],
    ['startDate=2024-01-01&endDate=2026-01-01', 'query.endDate'],
    ['endDate=26-11-2026', 'query.endDate'],
    ['pageSize=10', 'query.pageSize'],
  ])('refuses %s with 400 naming %s', async (query, field) => {
    const { app, a } = await appWithAccounts();
    const response = await fetch(exportUrl(app.url, a, `?${query}`), { headers: a.bearer });
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({ code: 'INVALID_REQUEST', field });
  });

  it('streams with backpressure: a reader that stops reading stops the reads, and then gets every row', async () => {
    const { a, counting, socketPath } = await exportingApp(25_000);
    const opened = await openPaused(`/v1/accounts/${a.accountId}/cdrs/export`, a.bearer, socketPath);
    try {
      // The reader holds its first chunk and reads no more: once the socket's and the streams'
      // buffers are full, the repository is asked for nothing further.
      const yieldedWhilePaused = await settled(() => counting.yielded);
      expect(yieldedWhilePaused).toBeLessThan(3_000);
      const rows = parseCsv(await readToEnd(opened));
      expect(rows).toHaveLength(25_000);
      expect(counting.yielded).toBe(25_000);
      expect(counting.streamsEnded).toBe(1);
    } finally {
      opened.response.destroy();
    }
  });

  it('answers 503 when the store fails before the first row, and cuts the connection when it fails later', async () => {
    const { a, counting, socketPath } = await exportingApp(5_000);
    counting.failAfter = 0;
    const refused = await openPaused(`/v1/accounts/${a.accountId}/cdrs/export`, a.bearer, socketPath);
    expect(refused.response.statusCode).toBe(503);
    expect(JSON.parse(await readToEnd(refused)).error.code).toBe('SERVICE_UNAVAILABLE');
    counting.failAfter = 3_000;
    counting.yielded = 0;
    const cut = await openPaused(`/v1/accounts/${a.accountId}/cdrs/export?format=ndjson`, a.bearer, socketPath);
    expect(cut.response.statusCode).toBe(200);
    await expect(readToEnd(cut)).rejects.toThrow(/aborted/);
    await vi.waitFor(() => expect(counting.streamsEnded).toBe(2), { timeout: 5_000 });
  });

  it('stops reading the store when the client goes away mid-export', async () => {
    const { a, counting, socketPath } = await exportingApp(25_000);
    const opened = await openPaused(`/v1/accounts/${a.accountId}/cdrs/export?format=ndjson`, a.bearer, socketPath);
    await settled(() => counting.yielded);
    opened.response.destroy();
    await vi.waitFor(() => expect(counting.streamsEnded).toBe(1), { timeout: 5_000 });
    expect(counting.yielded).toBeLessThan(3_000);
  });
});

/** An app whose CDR store counts what exports read, with `count` CDRs of one account, served on a Unix socket. */
async function exportingApp(count: number) {
  const counting = new CountingCdrRepository(new MemoryCdrRepository());
  const app = await startVoiceApp({ stores: { cdrs: counting } });
  const a = await createAccount(app.url);
  await seedCdrs(counting, a.accountId, count, app.clock() - 1_000, 60_000);
  const served = await serveOnUnixSocket(app.composed.listener);
  onTestFinished(() => served.close());
  return { a, counting, socketPath: served.socketPath };
}
