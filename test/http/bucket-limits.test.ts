/**
 * Token buckets ({"kind": "bucket"}, Kazoo crossbar's rate limiting) end to end through the
 * composed app on the memory store, with a manual clock: what a bucket admits and refuses, the
 * Retry-After of the next token, refills, Kazoo's token_costs (per endpoint and method, per
 * account, 0 for free), Kazoo's own crossbar and token_buckets documents loaded from a rules
 * directory, the RateLimit headers, and the bucket as it is stored.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { loadRuleFiles } from '../../src/rules/load-rule-files.js';
import { parseRules } from '../../src/rules/parse-rules.js';
import type { Rule } from '../../src/rules/rule.js';
import { jsonOf, postJson, TEST_HASHER, type TestApp } from '../support/test-app.js';
import { createAccount, startVoiceApp, type TestAccount } from '../support/voice.js';

const T0 = 1_800_000_000_000;
const CALLS = '/v1/accounts/:accountId/calls';
/** Every test request comes from the loopback address: Kazoo's bucket is per client address and account. */
const CLIENT_IP = '127.0.0.1';

/** One bucket rule: 100 tokens, 10 per second unless `limit` says otherwise. */
function bucketRule(id: string, match: { method?: string; path: string }, limit: Record<string, unknown> = {}): Rule {
  return parseRules('test', {
    rules: [{ id, match, limits: [{ kind: 'bucket', max_bucket_tokens: 100, tokens_fill_rate: 10, tokens_fill_time: 'second', ...limit }] }],
  })[0]!;
}

async function setUp(rules: readonly Rule[]) {
  const clock = createManualClock(T0);
  const app = await startVoiceApp({ rules, clock });
  const account = await createAccount(app.url);
  return { app, clock, account, ...routesOf(app, account) };
}

function routesOf(app: TestApp, account: TestAccount) {
  const base = `${app.url}/v1/accounts/${account.accountId}`;
  return {
    base,
    listCalls: () => fetch(`${base}/calls`, { headers: account.bearer }),
    getAccount: () => fetch(base, { headers: account.bearer }),
    placeCall: () => postJson(`${base}/calls`, { to: '+14155550100', from: '+14155550199' }, account.bearer),
  };
}

/** Statuses of `n` requests sent one after another. */
async function statuses(n: number, send: () => Promise<Response>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await send()).status);
  return out;
}
const count = (list: readonly number[], status: number) => list.filter((s) => s === status).length;

/** The stored bucket ({"t": tokens, "at": ms}) and its version, at Kazoo's key (client address and account) as its HMAC. */
async function storedBucket(app: TestApp, ruleId: string, accountId: string | null) {
  const partition = { caller: TEST_HASHER.hash(JSON.stringify([CLIENT_IP, accountId])), api: ruleId };
  const { version, state } = await app.stores.state.read(partition, { timeoutMs: 1_000 });
  return { version, bucket: state === undefined ? undefined : (JSON.parse(state) as { t: number; at: number }) };
}

describe('a bucket rule (100 tokens, 10 per second)', () => {
  it('admits 100 at once, refuses the 101st with 429 and the Retry-After of the next token, and refills with time', async () => {
    const { app, clock, account, listCalls } = await setUp([bucketRule('api-bucket', { method: 'GET', path: CALLS })]);
    const first = await listCalls();
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"api-bucket/second";q=100;w=1');
    // 99 left; one token comes back in 100 ms, so the bucket is full again within the second.
    expect(first.headers.get('ratelimit')).toBe('"api-bucket/second";r=99;t=1');
    expect(count(await statuses(98, listCalls), 200)).toBe(98);
    const last = await listCalls();
    expect(last.status).toBe(200);
    // Empty: full again after 100 tokens at 10 a second.
    expect(last.headers.get('ratelimit')).toBe('"api-bucket/second";r=0;t=10');

    const refused = await listCalls();
    expect(refused.status).toBe(429);
    // The next token comes in 100 ms: Retry-After rounds up to whole seconds, never 0.
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('ratelimit-policy')).toBe('"api-bucket/second";q=100;w=1');
    expect(refused.headers.get('ratelimit')).toBe('"api-bucket/second";r=0;t=10');
    expect((await jsonOf(refused)).error).toMatchObject({ code: 'REQUEST_LIMIT_REACHED', rule: 'api-bucket', limit: 100, window: 'second', retryAfter: 1 });
    // A refusal takes nothing and writes nothing: 100 admissions, 100 writes.
    expect(await storedBucket(app, 'api-bucket', account.accountId)).toEqual({ version: 100, bucket: { t: 0, at: T0 } });

    clock.advance(99);
    expect((await listCalls()).status).toBe(429);
    clock.advance(1);
    expect(await statuses(2, listCalls)).toEqual([200, 429]);
    clock.advance(1_000);
    const refilled = await statuses(11, listCalls);
    expect(refilled.slice(0, 10)).toEqual(Array(10).fill(200));
    expect(refilled[10]).toBe(429);
    // A minute untouched fills the bucket whole, never beyond.
    clock.advance(60_000);
    expect(count(await statuses(101, listCalls), 200)).toBe(100);
  });

  it('keeps one bucket per client address and account: another account has its own', async () => {
    const { app, listCalls } = await setUp([bucketRule('api-bucket', { method: 'GET', path: CALLS }, { max_bucket_tokens: 3 })]);
    expect(await statuses(4, listCalls)).toEqual([200, 200, 200, 429]);
    const other = routesOf(app, await createAccount(app.url, 'other'));
    expect(await statuses(4, other.listCalls)).toEqual([200, 200, 200, 429]);
  });
});

describe('token_costs (Kazoo crossbar\'s lookup)', () => {
  it('charges {"calls": {"POST": 5}} five tokens a call placed and one a listing, from one bucket', async () => {
    const rule = bucketRule('calls-bucket', { path: CALLS }, { token_costs: { calls: { POST: 5 } } });
    const { app, clock, account, placeCall, listCalls } = await setUp([rule]);
    const placed = await placeCall();
    expect(placed.status).toBe(201);
    expect(placed.headers.get('ratelimit')).toBe('"calls-bucket/second";r=95;t=1');
    expect(count(await statuses(19, placeCall), 201)).toBe(19);
    // 100 tokens, 5 a call: the 21st call is refused until 5 tokens are back (500 ms).
    const refused = await placeCall();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await storedBucket(app, 'calls-bucket', account.accountId)).bucket).toEqual({ t: 0, at: T0 });
    clock.advance(100);
    // One token back: a listing (cost 1) fits, a call (cost 5) does not.
    expect((await placeCall()).status).toBe(429);
    expect((await listCalls()).status).toBe(200);
    clock.advance(499);
    expect((await placeCall()).status).toBe(429);
    clock.advance(1);
    expect(await statuses(2, placeCall)).toEqual([201, 429]);
  });

  it('prices {ACCOUNT_ID} before the endpoint: one account pays 10 a listing, another the endpoint\'s 2, the account itself 1', async () => {
    // The account id must be in the rule: an app without rules makes the accounts, one with the rule shares its store.
    const clock = createManualClock(T0);
    const maker = await startVoiceApp({ rules: [], clock });
    const [pricey, plain] = [await createAccount(maker.url, 'pricey'), await createAccount(maker.url, 'plain')];
    const rule = bucketRule('per-account-costs', { path: '/v1/*' }, { max_bucket_tokens: 20, token_costs: { [pricey.accountId]: { calls: 10 }, calls: { GET: 2 } } });
    const app = await startVoiceApp({ rules: [rule], clock, stores: { accounts: maker.stores.accounts } });
    const p = routesOf(app, pricey);
    const q = routesOf(app, plain);
    // {ACCOUNT_ID}.calls: 10 a listing.
    expect((await p.listCalls()).status).toBe(200);
    expect((await storedBucket(app, 'per-account-costs', pricey.accountId)).bucket?.t).toBe(10);
    // GET /v1/accounts/:accountId is the endpoint "accounts", which no key prices: 1 token (Kazoo's default), from the same bucket.
    expect(count(await statuses(10, p.getAccount), 200)).toBe(10);
    expect((await p.getAccount()).status).toBe(429);
    expect((await p.listCalls()).status).toBe(429);
    // calls.GET: 2 a listing for an account nobody priced, so 10 of them.
    expect(count(await statuses(11, q.listCalls), 200)).toBe(10);
    expect((await storedBucket(app, 'per-account-costs', plain.accountId)).bucket?.t).toBe(0);
  });

  it('cost 0 makes a request free: it passes with an empty bucket, and nothing is counted or advertised', async () => {
    const rule = bucketRule('listings-free', { path: CALLS }, { max_bucket_tokens: 2, token_costs: { calls: { GET: 0, POST: 1 } } });
    const { app, account, placeCall, listCalls } = await setUp([rule]);
    expect(await statuses(3, placeCall)).toEqual([201, 201, 429]);
    const free = await listCalls();
    expect(free.status).toBe(200);
    expect(free.headers.get('ratelimit')).toBeNull();
    expect(count(await statuses(20, listCalls), 200)).toBe(20);
    // Two admissions written, no more: free requests never touched the bucket.
    expect((await storedBucket(app, 'listings-free', account.accountId)).version).toBe(2);
  });

  it('a plain number prices every request: token_costs 0 on a rule frees every route it matches', async () => {
    const { app, account, listCalls, placeCall } = await setUp([bucketRule('all-free', { path: CALLS }, { max_bucket_tokens: 1, token_costs: 0 })]);
    expect(count(await statuses(5, listCalls), 200)).toBe(5);
    expect(count(await statuses(5, placeCall), 201)).toBe(5);
    expect(await storedBucket(app, 'all-free', account.accountId)).toEqual({ version: 0, bucket: undefined });
  });
});

describe('Kazoo\'s crossbar and token_buckets documents, verbatim (design note 002)', () => {
  /** The note's "callflows vary in cost depending on method" crossbar document. */
  const CROSSBAR = { _id: 'crossbar', default: { token_costs: { callflows: { GET: 1, PUT: 5, POST: 5, DELETE: 1 } } } };
  /** The note's per-application token_buckets document. */
  const TOKEN_BUCKETS = {
    _id: 'token_buckets',
    default: {
      crossbar: { max_bucket_tokens: 250, tokens_fill_rate: 10, tokens_fill_time: 'minute' },
      callflow: { max_bucket_tokens: 50, tokens_fill_rate: 5, tokens_fill_time: 'hour' },
    },
  };
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  /** The two documents as two files of a rules directory, loaded as the service loads RULES_DIR. */
  async function kazooRules(crossbar: unknown = CROSSBAR): Promise<readonly Rule[]> {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-kazoo-'));
    dirs.push(dir);
    await writeFile(join(dir, 'crossbar.json'), JSON.stringify(crossbar));
    await writeFile(join(dir, 'token_buckets.json'), JSON.stringify(TOKEN_BUCKETS));
    return (await loadRuleFiles(dir)).rules;
  }

  it('become one crossbar bucket for every /v1 route of an account (GET account and GET calls drain the same 250 tokens)', async () => {
    const rules = await kazooRules();
    expect(rules.map((r) => [r.id, r.match.path, r.bucket?.maxTokens, r.bucket?.fillRate, r.bucket?.fillTime])).toEqual([
      ['kazoo:crossbar', '/v1/*', 250, 10, 'minute'],
      ['kazoo:callflow', CALLS, 50, 5, 'hour'],
    ]);
    const { app, clock, account, base, getAccount, listCalls } = await setUp(rules);
    const answered = [];
    for (let i = 0; i < 125; i++) answered.push((await getAccount()).status, (await listCalls()).status);
    expect(count(answered, 200)).toBe(250);
    for (const send of [getAccount, listCalls, () => fetch(`${base}/devices`, { headers: account.bearer }), () => fetch(`${base}/conferences`, { headers: account.bearer })]) {
      const refused = await send();
      expect(refused.status).toBe(429);
      // One token at 10 a minute: 6 s.
      expect(refused.headers.get('retry-after')).toBe('6');
      expect(refused.headers.get('ratelimit-policy')).toBe('"kazoo:crossbar/minute";q=250;w=60');
      expect((await jsonOf(refused)).error).toMatchObject({ rule: 'kazoo:crossbar', limit: 250, window: 'minute', retryAfter: 6 });
    }
    expect(await storedBucket(app, 'kazoo:crossbar', account.accountId)).toEqual({ version: 250, bucket: { t: 0, at: T0 } });
    // The same client without an account in the path is another bucket (Kazoo: per address and account).
    const heartbeat = await fetch(`${app.url}/v1/heartbeat`, { headers: account.bearer });
    expect(heartbeat.status).toBe(200);
    expect(heartbeat.headers.get('ratelimit-policy')).toBe('"kazoo:crossbar/minute";q=250;w=60');
    clock.advance(6_000);
    expect(await statuses(2, listCalls)).toEqual([200, 429]);
  });

  it('the callflow bucket limits calls placed (50, 5 an hour) while each call also takes a crossbar token', async () => {
    const { app, account, placeCall, getAccount } = await setUp(await kazooRules());
    const placed = await placeCall();
    expect(placed.status).toBe(201);
    // Both buckets advertise: the crossbar's (per minute) and the callflow's (per hour).
    expect(placed.headers.get('ratelimit-policy')).toBe('"kazoo:crossbar/minute";q=250;w=60, "kazoo:callflow/hour";q=50;w=3600');
    expect(count(await statuses(49, placeCall), 201)).toBe(49);
    const refused = await placeCall();
    expect(refused.status).toBe(429);
    // One token at 5 an hour: 720 s.
    expect(refused.headers.get('retry-after')).toBe('720');
    expect((await jsonOf(refused)).error).toMatchObject({ rule: 'kazoo:callflow', limit: 50, window: 'hour', retryAfter: 720 });
    // The refused call took no crossbar token (all or nothing): 50 taken of 250, as the account's next request says.
    expect((await storedBucket(app, 'kazoo:crossbar', account.accountId)).bucket?.t).toBe(200);
    const next = await getAccount();
    expect(next.status).toBe(200);
    expect(next.headers.get('ratelimit')).toBe('"kazoo:crossbar/minute";r=199;t=306');
  });

  it('token_costs 0 in the crossbar document disables the crossbar bucket: no rule, every request passes', async () => {
    const rules = await kazooRules({ _id: 'crossbar', default: { token_costs: 0 } });
    expect(rules.map((r) => r.id)).toEqual(['kazoo:callflow']);
    const { getAccount, listCalls } = await setUp(rules);
    expect(count(await statuses(300, getAccount), 200)).toBe(300);
    const listed = await listCalls();
    expect(listed.status).toBe(200);
    expect(listed.headers.get('ratelimit')).toBeNull();
  });
});
