/**
 * POST /v1/throttle/check and /v1/throttle/check/batch over the REAL DecisionService of the
 * composed app (memory store, manual clock): rate-limit documents stored through the
 * rate_limits routes for an account and a device created through the API, and a generic rule.
 * Packet checks until a refusal, the documents' precedence, the account and device tiers at once
 * (all or nothing), counts, batches in order, generic checks sharing their counts with the HTTP
 * guard, bad checks that count nothing, the token, and fast-mode documents on two instances.
 */
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { parseRules } from '../../src/rules/parse-rules.js';
import { MemoryFastCountStore } from '../../src/store/memory/memory-fast-count-store.js';
import { jsonOf, postJson, TEST_HASHER, type TestApp } from '../support/test-app.js';
import { ADMIN_TOKEN, createAccount, startVoiceApp, type TestAccount } from '../support/voice.js';

const T0 = 1_800_000_000_000;
const TOKEN = 'decision-token-for-tests-0123456789';
const SERVICE = { authorization: `Bearer ${TOKEN}` };
const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };
const SIGNUP_RULE = parseRules('test', {
  rules: [{ id: 'signup-per-phone', match: { method: 'POST', path: '/v1/signup' }, key: 'body.phone', normalize: 'e164', limits: [{ count: 3, window: '1h' }] }],
});

const check = (app: TestApp, body: unknown, headers: Record<string, string> = SERVICE) => postJson(`${app.url}/v1/throttle/check`, body, headers);
const batch = (app: TestApp, checks: unknown[]) => postJson(`${app.url}/v1/throttle/check/batch`, { checks }, SERVICE);

/** The answer of a check that must be 200. */
async function answer(app: TestApp, body: unknown) {
  const response = await check(app, body);
  expect(response.status).toBe(200);
  return { ...(await jsonOf(response)), retryAfterHeader: response.headers.get('retry-after') };
}

/** How many of `n` checks sent one after another were allowed. */
async function allowedOf(app: TestApp, body: unknown, n: number): Promise<number> {
  let allowed = 0;
  for (let i = 0; i < n; i++) if ((await answer(app, body)).allowed) allowed++;
  return allowed;
}

async function storeDocument(url: string, data: unknown, headers: Record<string, string>) {
  const response = await postJson(url, { data }, headers);
  expect(response.status).toBe(200);
}

async function createDevice(app: TestApp, account: TestAccount, name: string): Promise<string> {
  const response = await postJson(`${app.url}/v1/accounts/${account.accountId}/devices`, { name }, account.bearer);
  expect(response.status).toBe(201);
  return (await jsonOf(response)).sid;
}

/** The app, an account with two devices (`own` gets the device document), and the documents `docs` gives, stored through the API. */
async function setUp(docs: { system?: unknown; account?: unknown; device?: unknown }, clock = createManualClock(T0)) {
  const app = await startVoiceApp({ rules: SIGNUP_RULE, clock, decisionToken: TOKEN });
  const account = await createAccount(app.url);
  const [own, plain] = [await createDevice(app, account, 'own'), await createDevice(app, account, 'plain')];
  const base = `${app.url}/v1/accounts/${account.accountId}`;
  if (docs.system) await storeDocument(`${app.url}/v1/admin/rate_limits`, docs.system, ADMIN);
  if (docs.account) await storeDocument(`${base}/rate_limits`, docs.account, account.bearer);
  if (docs.device) await storeDocument(`${base}/devices/${own}/rate_limits`, docs.device, account.bearer);
  return { app, clock, account, own, plain };
}

describe('packet checks against the rate-limit documents', () => {
  it('counts invites until the device\'s document refuses: allowed false, Retry-After, and the limit named down to its window', async () => {
    const { app, account, own } = await setUp({ device: { per_second: { invites: 4, total_packets: 7 } } });
    const invite = { account: account.accountId, device: own, kind: 'invite', ip: '203.0.113.9' };
    const first = await answer(app, invite);
    expect(first).toEqual({ allowed: true, limit: 4, remaining: 3, retryAfter: 0, rule: 'rate_limits:device:invites:per_second', resetAfter: 1, windowSeconds: 1, retryAfterHeader: null });
    expect(await allowedOf(app, invite, 3)).toBe(3);
    const refused = await answer(app, invite);
    expect(refused).toEqual({ allowed: false, limit: 4, remaining: 0, retryAfter: 1, rule: 'rate_limits:device:invites:per_second', resetAfter: 1, windowSeconds: 1, retryAfterHeader: '1' });
    // Packets that are not invites count only in total_packets: 4 of 7 are used, 3 are left.
    const packet = { account: account.accountId, device: own, kind: 'packet' };
    expect(await allowedOf(app, packet, 4)).toBe(3);
    expect((await answer(app, packet)).rule).toBe('rate_limits:device:total_packets:per_second');
    // What is stored: one state for the account, its device's counters inside under the HMAC of
    // account/device ([registrations, invites, total_packets] per second, then per minute).
    const stored = await app.stores.state.read({ caller: TEST_HASHER.hash(account.accountId), api: 'rate_limits' }, { timeoutMs: 1_000 });
    expect(JSON.parse(stored.state!)).toMatchObject({ s: T0, d: { [TEST_HASHER.hash(`${account.accountId}/${own}`)]: [0, 4, 7, 0, 4, 7] } });
  });

  it('takes a device\'s limits from its own document, else its account\'s device section, else the system\'s', async () => {
    const world = await setUp({
      system: { device: { per_second: { invites: 1 } } },
      account: { device: { per_second: { invites: 2 } } },
      device: { per_second: { invites: 4 } },
    });
    const { app, account, own, plain } = world;
    const otherAccount = await createAccount(app.url, 'no documents');
    const otherDevice = await createDevice(app, otherAccount, 'default');
    expect(await allowedOf(app, { account: account.accountId, device: own, kind: 'invite' }, 6)).toBe(4);
    expect(await allowedOf(app, { account: account.accountId, device: plain, kind: 'invite' }, 6)).toBe(2);
    expect(await allowedOf(app, { account: otherAccount.accountId, device: otherDevice, kind: 'invite' }, 6)).toBe(1);
    // Removing the device's document hands it to its account's device section (and the window already holds 4).
    expect((await fetch(`${app.url}/v1/accounts/${account.accountId}/devices/${own}/rate_limits`, { method: 'DELETE', headers: account.bearer })).status).toBe(200);
    world.clock.advance(1_000);
    expect(await allowedOf(app, { account: account.accountId, device: own, kind: 'invite' }, 6)).toBe(2);
  });

  it('decides the account and device tiers at once: the account refusing consumes no device count', async () => {
    const { app, account, own, plain } = await setUp({ account: { account: { per_second: { invites: 3 } }, device: { per_second: { invites: 2 } } } });
    const invite = (device: string) => ({ account: account.accountId, device, kind: 'invite' });
    expect(await allowedOf(app, invite(plain), 2)).toBe(2);
    expect((await answer(app, invite(own))).allowed).toBe(true);
    // The account is full (3): the own device, with 1 of its 2 left, is refused by the account.
    for (let i = 0; i < 3; i++) {
      const refused = await answer(app, invite(own));
      expect(refused).toMatchObject({ allowed: false, rule: 'rate_limits:account:invites:per_second', limit: 3 });
    }
    const counters = await app.stores.state.read({ caller: TEST_HASHER.hash(account.accountId), api: 'rate_limits' }, { timeoutMs: 1_000 });
    expect(JSON.parse(counters.state!).d[TEST_HASHER.hash(`${account.accountId}/${own}`)][1]).toBe(1);
    // Raise the account's limit (in the same second): the device has exactly its 1 left.
    await storeDocument(`${app.url}/v1/accounts/${account.accountId}/rate_limits`, { account: { per_second: { invites: 10 } }, device: { per_second: { invites: 2 } } }, account.bearer);
    expect(await allowedOf(app, invite(own), 3)).toBe(1);
  });

  it('counts a check of count N as N messages, and refuses one that does not fit whole without counting it', async () => {
    const { app, account, own } = await setUp({ device: { per_second: { invites: 4 } } });
    const invites = (count: number) => ({ account: account.accountId, device: own, kind: 'invite', count });
    expect(await answer(app, invites(3))).toMatchObject({ allowed: true, remaining: 1 });
    // Refused whole: the 1 left stays left (and is answered as such).
    expect(await answer(app, invites(2))).toMatchObject({ allowed: false, remaining: 1, retryAfter: 1 });
    expect(await answer(app, invites(1))).toMatchObject({ allowed: true, remaining: 0 });
    expect(await answer(app, invites(1))).toMatchObject({ allowed: false });
  });

  it('answers allowed with no rule for an account no document limits, and counts nothing', async () => {
    const { app } = await setUp({});
    expect(await answer(app, { account: 'ACnobody', kind: 'registration' })).toEqual({ allowed: true, limit: 0, remaining: 0, retryAfter: 0, rule: null, resetAfter: 0, windowSeconds: 0, retryAfterHeader: null });
  });

  it('limits the whole cluster with the system document\'s system section, across accounts', async () => {
    const { app, account } = await setUp({ system: { system: { per_second: { registrations: 3 } } } });
    const other = await createAccount(app.url, 'other');
    expect(await allowedOf(app, { account: account.accountId, kind: 'registration' }, 2)).toBe(2);
    expect(await answer(app, { account: other.accountId, kind: 'registration' })).toMatchObject({ allowed: true, remaining: 0 });
    expect(await answer(app, { account: other.accountId, kind: 'registration' })).toMatchObject({ allowed: false, rule: 'rate_limits:system:registrations:per_second' });
  });
});

describe('batches', () => {
  it('answer every check in the order given, packet and generic mixed, each counted', async () => {
    const { app, account, own, plain } = await setUp({ account: { device: { per_second: { invites: 2 } } }, device: { per_second: { invites: 4 } } });
    const checks = [
      { account: account.accountId, device: own, kind: 'invite' },
      { api: '/v1/signup', keys: { 'body.phone': '+14155550100' } },
      { account: account.accountId, device: plain, kind: 'invite', count: 2 },
      { account: 'ACnobody', kind: 'packet' },
      // More than the plain device's 2 at once: refused whichever of the checks is decided first.
      { account: account.accountId, device: plain, kind: 'invite', count: 3 },
    ];
    const response = await batch(app, checks);
    expect(response.status).toBe(200);
    const { results } = await jsonOf(response);
    expect(results.map((r: { rule: string | null; allowed: boolean }) => [r.rule, r.allowed])).toEqual([
      ['rate_limits:device:invites:per_second', true],
      ['signup-per-phone', true],
      ['rate_limits:device:invites:per_second', true],
      [null, true],
      ['rate_limits:device:invites:per_second', false],
    ]);
    expect(results.map((r: { limit: number }) => r.limit)).toEqual([4, 3, 2, 0, 2]);
    // Counted as separate checks would be: 4 invites of the own device, 1 used.
    expect(await allowedOf(app, checks[0], 4)).toBe(3);
  });

  it('decide all of a batch of the same check concurrently, admitting exactly the limit', async () => {
    const { app, account, own } = await setUp({ device: { per_second: { invites: 4 } } });
    const { results } = await jsonOf(await batch(app, Array.from({ length: 10 }, () => ({ account: account.accountId, device: own, kind: 'invite' }))));
    expect(results.filter((r: { allowed: boolean }) => r.allowed)).toHaveLength(4);
  });
});

describe('generic checks', () => {
  it('count against a rule until it refuses, sharing the counts of the HTTP guard on the same rule', async () => {
    const { app } = await setUp({});
    const signupCheck = { api: '/v1/signup', keys: { 'body.phone': '+1 (415) 555-0100', ip: '203.0.113.9' } };
    expect(await answer(app, signupCheck)).toMatchObject({ allowed: true, limit: 3, remaining: 2, rule: 'signup-per-phone', windowSeconds: 3600 });
    // The same phone through the API itself: normalised alike, counted in the same window.
    expect((await postJson(`${app.url}/v1/signup`, { phone: '+14155550100' })).status).toBe(201);
    expect(await answer(app, signupCheck)).toMatchObject({ allowed: true, remaining: 0 });
    const refused = await answer(app, signupCheck);
    expect(refused).toEqual({ allowed: false, limit: 3, remaining: 0, retryAfter: 3600, rule: 'signup-per-phone', resetAfter: 3600, windowSeconds: 3600, retryAfterHeader: '3600' });
    expect((await postJson(`${app.url}/v1/signup`, { phone: '+14155550100' })).status).toBe(429);
    // Another phone has its own window; an api no rule matches is allowed without a rule.
    expect(await answer(app, { api: '/v1/signup', keys: { 'body.phone': '+14155550101' } })).toMatchObject({ allowed: true, remaining: 2 });
    expect(await answer(app, { api: '/v1/nothing/here', keys: { ip: '203.0.113.9' } })).toMatchObject({ allowed: true, rule: null });
  });

  it('refuse a key that does not normalise with 400 naming it, and count nothing', async () => {
    const { app } = await setUp({});
    const bad = await check(app, { api: '/v1/signup', keys: { 'body.phone': 'not a phone' } });
    expect(bad.status).toBe(400);
    const { error } = await jsonOf(bad);
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.field).toBe('keys.body.phone');
    const misspelled = await check(app, { api: '/v1/signup', keys: { phone: '+14155550100' } });
    expect(misspelled.status).toBe(400);
    expect((await jsonOf(misspelled)).error.field).toBe('keys.phone');
    // A bad check in a batch: 400 naming it by its place, and the good checks before it are not counted.
    const batched = await batch(app, [{ api: '/v1/signup', keys: { 'body.phone': '+14155550100' } }, { account: 'AC1', kind: 'bye' }]);
    expect(batched.status).toBe(400);
    expect((await jsonOf(batched)).error.field).toBe('checks[1].kind');
    // A key that does not normalise in a batch: found before any check is decided.
    const badKey = await batch(app, [{ api: '/v1/signup', keys: { 'body.phone': '+14155550100' } }, { api: '/v1/signup', keys: { 'body.phone': 'nope' } }]);
    expect(badKey.status).toBe(400);
    expect((await jsonOf(badKey)).error.field).toBe('checks[1].keys.body.phone');
    expect(await answer(app, { api: '/v1/signup', keys: { 'body.phone': '+14155550100' } })).toMatchObject({ allowed: true, remaining: 2 });
  });
});

describe('the service token', () => {
  it('is required: 401 without it or with another, and nothing is counted', async () => {
    const { app, account, own } = await setUp({ device: { per_second: { invites: 1 } } });
    const invite = { account: account.accountId, device: own, kind: 'invite' };
    for (const headers of [{}, { authorization: 'Bearer not-the-decision-token-0000000000' }, ADMIN, account.bearer]) {
      const refused = await check(app, invite, headers);
      expect(refused.status).toBe(401);
      expect((await jsonOf(refused)).error.code).toBe('UNAUTHENTICATED');
    }
    expect((await answer(app, invite)).allowed).toBe(true);
  });
});

describe('documents in fast mode ("consistency": "fast")', () => {
  it('are counted on each instance and shared through the fast-count store when the instances sync', async () => {
    const clock = createManualClock(T0);
    const fastCounts = new MemoryFastCountStore(clock);
    const docs = await setUp({ account: { account: { per_minute: { invites: 10 } }, consistency: 'fast' } }, clock);
    // Two instances on the same stores (documents, fast counts), each with a name of its own.
    const instance = (instanceId: string) =>
      startVoiceApp({ rules: SIGNUP_RULE, clock, decisionToken: TOKEN, instanceId, stores: { rateLimits: docs.app.stores.rateLimits, fastCounts } });
    const [first, two] = [await instance('instance-one'), await instance('instance-two')];
    const invite = { account: docs.account.accountId, kind: 'invite' };
    expect(await allowedOf(first, invite, 6)).toBe(6);
    // The second instance has not heard of them yet: it admits on what it knows.
    expect(await answer(two, invite)).toMatchObject({ allowed: true, remaining: 9 });
    await first.composed.limiters.fast.sync();
    await two.composed.limiters.fast.sync();
    await first.composed.limiters.fast.sync();
    // Each now knows the other's: 7 of 10 used between them, 8 with this one.
    expect(await answer(two, invite)).toMatchObject({ allowed: true, remaining: 2 });
    expect(await allowedOf(two, invite, 3)).toBe(2);
    // Until the next sync the first instance knows only what the second had counted at the last one
    // (the bounded excess of fast mode); once synced, it refuses too.
    await two.composed.limiters.fast.sync();
    await first.composed.limiters.fast.sync();
    const refused = await answer(first, invite);
    expect(refused).toMatchObject({ allowed: false, rule: 'rate_limits:account:invites:per_minute', limit: 10, windowSeconds: 60 });
    expect(refused.retryAfter).toBeGreaterThanOrEqual(1);
    // Nothing was written to the exact counters of either instance: fast documents never touch the state store.
    for (const instance of [first, two]) {
      const exact = await instance.stores.state.read({ caller: TEST_HASHER.hash(docs.account.accountId), api: 'rate_limits:account:invites' }, { timeoutMs: 1_000 });
      expect(exact.version).toBe(0);
    }
  });
});
