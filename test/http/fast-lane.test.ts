/**
 * The fast lane (http/fast-lane.ts) in the composed app: a refusal the throttle knows from memory
 * is answered without a Koa context, and the answer is the one the app gives, byte for byte but
 * the Date (status, headers in order, body), for every limiter kind; the same decision events
 * and HTTP metrics are counted; anything the lane does not answer reaches the app unchanged.
 */
import { createServer, request, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { parseRules } from '../../src/rules/parse-rules.js';
import { startTestApp, TEST_HASHER, type TestApp } from '../support/test-app.js';
import { ADMIN_TOKEN } from '../support/voice.js';
import { scrape, total } from '../support/prometheus-text.js';

const T0 = 1_800_000_000_000;
const ABUSER = 'abuse@example.com';
const servers: Server[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

async function serve(listener: RequestListener): Promise<number> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

interface Raw {
  status: number;
  /** Raw header lines in order, Date left out. */
  headers: string[];
  body: string;
}

/** A POST with exactly these headers; the answer as it came on the wire. */
function post(port: number, path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const lines: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) if (res.rawHeaders[i]!.toLowerCase() !== 'date') lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        resolve({ status: res.statusCode!, headers: lines, body: Buffer.concat(chunks).toString() });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const KINDS: Record<string, Record<string, unknown>> = {
  window: { limits: [{ count: 2, window: '1h' }, { count: 5, window: '1d' }] },
  interval: { limits: ['2/30'] },
  bucket: { limits: [{ kind: 'bucket', max_bucket_tokens: 2, tokens_fill_rate: 1, tokens_fill_time: 'day', token_costs: 1 }] },
  shared: { limits: [{ kind: 'shared', rate: 2, per: '24h', member: 'header.x-device-id', share: 1, ceil: 2 }] },
  fast: { limits: [{ count: 2, window: '1h' }], consistency: 'fast' },
  concurrent: { limits: [{ kind: 'concurrent', max: 1, lease: '1h' }] },
  carriers: { limits: [{ kind: 'carriers', carriers: [{ name: 'a', max: 1 }, { name: 'b', max: 1 }], lease: '1h' }] },
};
/** Kinds whose slots are taken beforehand, as live calls would hold them. */
const SLOTS: Record<string, string[]> = { concurrent: [''], carriers: ['/a', '/b'] };

const DECISION_TOKEN = 'decision-token-0123456789abcdef';

async function appWith(kind: string): Promise<TestApp> {
  const rules = parseRules('test', { rules: [{ id: `strict-${kind}`, match: { method: 'POST', path: '/v1/signup' }, key: 'body.email', ...KINDS[kind] }] });
  return startTestApp({ rules, clock: createManualClock(T0), adminToken: ADMIN_TOKEN, decisionToken: DECISION_TOKEN });
}

describe('the fast lane', () => {
  for (const kind of Object.keys(KINDS)) {
    it(`answers a known ${kind} refusal without the app, as the app answers it`, async () => {
      const app = await appWith(kind);
      const lanePort = Number(new URL(app.url).port);
      const appPort = await serve(app.composed.app.callback());
      const body = JSON.stringify({ email: ABUSER });
      const headers = { 'content-type': 'application/json', 'x-device-id': 'd1' };
      for (const suffix of SLOTS[kind] ?? []) {
        const partition = { api: `strict-${kind}`, caller: `${TEST_HASHER.hash(ABUSER)}${suffix}` };
        expect((await app.stores.slots.acquire(partition, 'live-call', 1, 3_600_000, T0, { timeoutMs: 1_000 })).acquired).toBe(true);
      }
      // Admitted until the limit is spent; the first refusal is the chain's (the limiter learns the state), from then on it is known.
      // Carriers: every carrier busy is 503 ALL_CARRIERS_BUSY by default.
      const [refused, code] = kind === 'carriers' ? [503, 'ALL_CARRIERS_BUSY'] : [429, 'REQUEST_LIMIT_REACHED'];
      const statuses: number[] = [];
      while (statuses.at(-1) !== refused && statuses.length < 5) statuses.push((await post(lanePort, '/v1/signup', body, headers)).status);
      expect(statuses).toEqual(SLOTS[kind] ? [refused] : [...Array(statuses.length - 1).fill(201), refused]);
      const contexts = vi.spyOn(app.composed.app, 'createContext');
      const viaLane = await post(lanePort, '/v1/signup', body, headers);
      expect(contexts).not.toHaveBeenCalled();
      const viaApp = await post(appPort, '/v1/signup', body, headers);
      expect(contexts).toHaveBeenCalledTimes(1);
      expect(viaLane).toEqual(viaApp);
      expect(viaLane.status).toBe(refused);
      expect(JSON.parse(viaLane.body).error).toMatchObject({ code, rule: `strict-${kind}` });
      expect(viaLane.headers[0]).toMatch(/^Retry-After: \d+$/);
    });
  }

  it("asks the limiters' memory once per request: the app's throttle does not ask again for a request the lane handed on", async () => {
    const app = await appWith('bucket');
    const port = Number(new URL(app.url).port);
    const appPort = await serve(app.composed.app.callback());
    const asked = vi.spyOn(app.composed.limiters.chain, 'refusedAtOnce');
    expect((await post(port, '/v1/signup', JSON.stringify({ email: 'first@example.com' }))).status).toBe(201);
    expect(asked).toHaveBeenCalledTimes(1);
    // Straight to the app (no lane in front): its throttle asks.
    expect((await post(appPort, '/v1/signup', JSON.stringify({ email: 'second@example.com' }))).status).toBe(201);
    expect(asked).toHaveBeenCalledTimes(2);
  });

  it('counts what it answers: the decision events and the HTTP requests, as the app would', async () => {
    const app = await appWith('window');
    const port = Number(new URL(app.url).port);
    const body = JSON.stringify({ email: ABUSER });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await post(port, '/v1/signup', body)).status);
    expect(statuses).toEqual([201, 201, 429, 429, 429, 429]);
    const metrics = await scrape(app.url);
    expect(total(metrics, 'tollgate_decisions_total', { rule: 'strict-window', outcome: 'limited' })).toBe(4);
    expect(total(metrics, 'tollgate_decisions_total', { rule: 'strict-window', outcome: 'admitted' })).toBe(2);
    expect(total(metrics, 'tollgate_http_requests_total', { route: '/v1/signup', method: 'POST', status: '429' })).toBe(4);
    expect(total(metrics, 'tollgate_http_request_seconds_count', { route: '/v1/signup', method: 'POST' })).toBe(6);
    const top = (await (await fetch(`${app.url}/v1/admin/top?rule=strict-window&window=1m`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { refused: unknown };
    expect(top.refused).toEqual([{ caller: TEST_HASHER.hash(ABUSER), count: 4, error: 0 }]);
  });

  it('leaves to the app what it does not answer: a bad body, a body that fails validation, a bad key, another type, a query', async () => {
    const app = await appWith('window');
    const port = Number(new URL(app.url).port);
    for (let i = 0; i < 3; i++) await post(port, '/v1/signup', JSON.stringify({ email: ABUSER }));
    const contexts = vi.spyOn(app.composed.app, 'createContext');
    expect((await post(port, '/v1/signup', '{"email": ')).status).toBe(400);
    expect(JSON.parse((await post(port, '/v1/signup', JSON.stringify({ email: ABUSER, extra: 1 }))).body).error.field).toBe('extra');
    expect((await post(port, '/v1/signup', JSON.stringify({ email: ABUSER }), { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(port, '/v1/signup?x=1', JSON.stringify({ email: ABUSER }))).status).toBe(429);
    // A byte order mark: the app's reader drops it, as it always has.
    expect((await post(port, '/v1/signup', `\ufeff${JSON.stringify({ email: ABUSER })}`)).status).toBe(429);
    expect(contexts).toHaveBeenCalledTimes(5);
  });

  it('serves the decision API itself; a request without the token or with a bad check goes to the app, which refuses it as it always has', async () => {
    const app = await appWith('window');
    const port = Number(new URL(app.url).port);
    const appPort = await serve(app.composed.app.callback());
    const auth = { 'content-type': 'application/json', authorization: `Bearer ${DECISION_TOKEN}` };
    const check = JSON.stringify({ api: '/v1/signup', method: 'POST', keys: { 'body.email': ABUSER } });
    const contexts = vi.spyOn(app.composed.app, 'createContext');
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await post(port, '/v1/throttle/check', check, auth));
    expect(contexts).not.toHaveBeenCalled();
    expect(answers.map((a) => JSON.parse(a.body).allowed)).toEqual([true, true, false]);
    // Both refused now: the lane's answer is the app's.
    expect(answers[2]).toEqual(await post(appPort, '/v1/throttle/check', check, auth));
    expect(contexts).toHaveBeenCalledTimes(1);

    const noToken = await post(port, '/v1/throttle/check', check);
    expect([noToken.status, JSON.parse(noToken.body).error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const badCheck = await post(port, '/v1/throttle/check', JSON.stringify({ account: 'acc-1', kind: 'fax' }), auth);
    expect([badCheck.status, JSON.parse(badCheck.body).error.field]).toEqual([400, 'kind']);
    expect(contexts).toHaveBeenCalledTimes(3);
    const metrics = await scrape(app.url);
    // Three checks through the lane and one through the app, counted alike; the app's refusals too.
    const requests = (status: string) => total(metrics, 'tollgate_http_requests_total', { route: '/v1/throttle/check', method: 'POST', status });
    expect([requests('200'), requests('401'), requests('400')]).toEqual([4, 1, 1]);
  });
});
