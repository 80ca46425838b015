/** Rate-limit documents: validation with JSON paths, Kazoo's precedence in effective(), and its cache. */
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../../src/clock.js';
import { parseRateLimitDocument, type RateLimitDocument, type RateLimitScope } from '../../../src/domains/rate-limits/rate-limit-document.js';
import type { RateLimitKey, RateLimitRepository } from '../../../src/domains/rate-limits/rate-limit-repository.js';
import { createRateLimits } from '../../../src/domains/rate-limits/rate-limits.js';
import { TollgateError } from '../../../src/errors.js';
import { MemoryRateLimitRepository } from '../../../src/store/memory/memory-rate-limit-repository.js';

const ACCOUNT = 'AC0192f1c3a4b07c8e9d0123456789abcd';
const DEVICE = 'DV0192f1c3a4b07c8e9d0123456789abcd';
const KAZOO_ACCOUNT = {
  account: { per_minute: { registrations: 100, invites: 100, total_packets: 1000 }, per_second: { registrations: 5, invites: 5, total_packets: 20 } },
  device: { per_minute: { registrations: 10, invites: 10, total_packets: 100 }, per_second: { registrations: 2, invites: 4, total_packets: 10 } },
};
const KAZOO_DEVICE = { per_minute: { registrations: 60, invites: 60, total_packets: 180 }, per_second: { registrations: 2, invites: 4, total_packets: 7 } };
const KAZOO_CURL_ACCOUNT = { account: { per_minute: { total_packets: 3000 }, per_second: { total_packets: 50 } }, device: { per_minute: { total_packets: 300 }, per_second: { total_packets: 5 } } };

function refusal(scope: RateLimitScope, data: unknown): { field: string | undefined; message: string } {
  try {
    parseRateLimitDocument(scope, data);
  } catch (error) {
    expect(error).toBeInstanceOf(TollgateError);
    expect((error as TollgateError).code).toBe('INVALID_REQUEST');
    return { field: (error as TollgateError).field, message: (error as TollgateError).message };
  }
  throw new Error(`accepted ${JSON.stringify(data)}`);
}

describe('parseRateLimitDocument', () => {
  it.each([
    ['account', KAZOO_ACCOUNT],
    ['account', KAZOO_CURL_ACCOUNT],
    ['device', KAZOO_DEVICE],
    ['system', { ...KAZOO_ACCOUNT, system: { per_second: { total_packets: 20_000 } }, consistency: 'fast' }],
    ['account', {}],
    ['device', { consistency: 'exact' }],
    ['device', { per_second: { invites: 0 } }],
  ] as const)('accepts the %s document %j as it is', (scope, data) => {
    expect(parseRateLimitDocument(scope, JSON.parse(JSON.stringify(data)))).toEqual(data);
  });

  const integer = (path: string) => ({ field: path, message: `${path} must be an integer >= 0` });
  it.each([
    ['account', { account: { per_second: { invites: -1 } } }, integer('data.account.per_second.invites')],
    ['account', { device: { per_minute: { registrations: 1.5 } } }, integer('data.device.per_minute.registrations')],
    ['device', { per_second: { total_packets: '7' } }, integer('data.per_second.total_packets')],
    ['system', { system: { per_minute: { invites: null } } }, integer('data.system.per_minute.invites')],
    ['device', { per_second: { invites: 2_147_483_648 } }, { field: 'data.per_second.invites', message: 'data.per_second.invites must be at most 2147483647' }],
    ['account', { account: { per_hour: {} } }, { field: 'data.account.per_hour', message: 'unknown field "data.account.per_hour" (data.account takes per_second, per_minute)' }],
    ['account', { account: { per_second: { calls: 1 } } }, { field: 'data.account.per_second.calls', message: 'unknown field "data.account.per_second.calls" (data.account.per_second takes registrations, invites, total_packets)' }],
    ['account', { system: { per_second: { invites: 1 } } }, { field: 'data.system', message: 'unknown field "data.system" (data takes account, device, consistency)' }],
    ['device', KAZOO_ACCOUNT, { field: 'data.account', message: 'unknown field "data.account" (data takes per_second, per_minute, consistency)' }],
    ['account', JSON.parse('{"__proto__": {"per_second": {}}}'), { field: 'data.__proto__', message: 'unknown field "data.__proto__" (data takes account, device, consistency)' }],
    ['device', { consistency: 'eventual' }, { field: 'data.consistency', message: 'data.consistency must be one of "exact", "fast"' }],
    ['account', { account: [] }, { field: 'data.account', message: 'data.account must be an object' }],
    ['device', { per_second: 5 }, { field: 'data.per_second', message: 'data.per_second must be an object' }],
    ['account', [], { field: 'data', message: 'data must be an object' }],
    ['system', null, { field: 'data', message: 'data must be an object' }],
    ['device', 'fast', { field: 'data', message: 'data must be an object' }],
  ] as const)('refuses the %s document %j naming its path', (scope, data, expected) => {
    expect(refusal(scope, data)).toEqual(expected);
  });
});

/** A memory repository that counts its reads (documents and revision apart) and can be made to fail. */
function countingRepository() {
  const inner = new MemoryRateLimitRepository();
  const counter = { reads: 0, revisionReads: 0, failing: false };
  const repository: RateLimitRepository = {
    get: async (key) => {
      counter.reads++;
      if (counter.failing) throw new Error('store down');
      return inner.get(key);
    },
    put: (key, document) => inner.put(key, document),
    delete: (key) => inner.delete(key),
    revision: async () => {
      counter.revisionReads++;
      if (counter.failing) throw new Error('store down');
      return inner.revision();
    },
  };
  return { repository, inner, counter };
}

const accountKey: RateLimitKey = { scope: 'account', accountSid: ACCOUNT };
const deviceKey: RateLimitKey = { scope: 'device', accountSid: ACCOUNT, deviceSid: DEVICE };
const systemKey: RateLimitKey = { scope: 'system' };
const SYSTEM = { account: { per_second: { invites: 50 } }, device: { per_second: { invites: 9 } }, system: { per_minute: { total_packets: 100_000 } }, consistency: 'fast' } as const;

describe('effective()', () => {
  async function withDocuments(documents: Array<[RateLimitKey, RateLimitDocument]>) {
    const rateLimits = createRateLimits({ repository: new MemoryRateLimitRepository(), clock: createManualClock(0), cacheMs: 0 });
    for (const [key, document] of documents) await rateLimits.put(key, document);
    return rateLimits;
  }

  it('is empty when no document sets a limit, and has no device tier without a device', async () => {
    expect(await (await withDocuments([])).effective(ACCOUNT, DEVICE)).toEqual({});
    const rateLimits = await withDocuments([[accountKey, KAZOO_ACCOUNT]]);
    expect((await rateLimits.effective(ACCOUNT)).device).toBeUndefined();
  });

  it('takes every tier from the system document when the account has none', async () => {
    const rateLimits = await withDocuments([[systemKey, SYSTEM]]);
    expect(await rateLimits.effective(ACCOUNT, DEVICE)).toEqual({
      device: { limits: SYSTEM.device, source: 'system', consistency: 'fast' },
      account: { limits: SYSTEM.account, source: 'system', consistency: 'fast' },
      system: { limits: SYSTEM.system, consistency: 'fast' },
    });
  });

  it('prefers the account document\'s sections to the system\'s, and the device\'s own document to both', async () => {
    const rateLimits = await withDocuments([[systemKey, SYSTEM], [accountKey, KAZOO_ACCOUNT]]);
    expect(await rateLimits.effective(ACCOUNT, DEVICE)).toEqual({
      device: { limits: KAZOO_ACCOUNT.device, source: 'account', consistency: 'exact' },
      account: { limits: KAZOO_ACCOUNT.account, source: 'account', consistency: 'exact' },
      system: { limits: SYSTEM.system, consistency: 'fast' },
    });
    await rateLimits.put(deviceKey, { ...KAZOO_DEVICE, consistency: 'fast' });
    expect((await rateLimits.effective(ACCOUNT, DEVICE)).device).toEqual({ limits: KAZOO_DEVICE, source: 'device', consistency: 'fast' });
    // Another device of the account still gets the account's device section.
    expect((await rateLimits.effective(ACCOUNT, `DV${'1'.repeat(32)}`)).device?.source).toBe('account');
  });

  it('falls through a section that sets no limit ({} or consistency only), taking the next one whole', async () => {
    const rateLimits = await withDocuments([[systemKey, SYSTEM], [accountKey, { account: { per_minute: {} }, device: { per_second: { registrations: 3 } } }], [deviceKey, { consistency: 'fast' }]]);
    expect(await rateLimits.effective(ACCOUNT, DEVICE)).toMatchObject({
      device: { limits: { per_second: { registrations: 3 } }, source: 'account', consistency: 'exact' },
      account: { limits: SYSTEM.account, source: 'system', consistency: 'fast' },
    });
  });

  it('keeps an account\'s documents to that account', async () => {
    const rateLimits = await withDocuments([[accountKey, KAZOO_ACCOUNT], [deviceKey, KAZOO_DEVICE]]);
    expect(await rateLimits.effective(`AC${'1'.repeat(32)}`, DEVICE)).toEqual({});
  });
});

describe('get, put and delete', () => {
  it('answers {} for no document, the stored document after a put, and what a delete removed', async () => {
    const rateLimits = createRateLimits({ repository: new MemoryRateLimitRepository(), clock: createManualClock(0) });
    expect(await rateLimits.get(deviceKey)).toEqual({});
    expect(await rateLimits.put(deviceKey, KAZOO_DEVICE)).toEqual(KAZOO_DEVICE);
    expect(await rateLimits.get(deviceKey)).toEqual(KAZOO_DEVICE);
    expect(await rateLimits.delete(deviceKey)).toEqual(KAZOO_DEVICE);
    expect(await rateLimits.delete(deviceKey)).toEqual({});
  });

  it('stores nothing when the document is refused', async () => {
    const rateLimits = createRateLimits({ repository: new MemoryRateLimitRepository(), clock: createManualClock(0) });
    await expect(rateLimits.put(accountKey, { account: { per_second: { invites: -1 } } })).rejects.toThrow('data.account.per_second.invites must be an integer >= 0');
    expect(await rateLimits.get(accountKey)).toEqual({});
  });
});

describe('the effective() cache', () => {
  it('sees its own writes at once and, before any revision is confirmed, another instance\'s within cacheMs and one read', async () => {
    const clock = createManualClock(0);
    const { repository, inner, counter } = countingRepository();
    const rateLimits = createRateLimits({ repository, clock, cacheMs: 1_000 });
    expect(await rateLimits.effective(ACCOUNT)).toEqual({});
    await rateLimits.put(accountKey, KAZOO_ACCOUNT);
    expect((await rateLimits.effective(ACCOUNT)).account?.limits).toEqual(KAZOO_ACCOUNT.account);
    // Written by "another instance": straight into the store.
    await inner.put(accountKey, KAZOO_CURL_ACCOUNT);
    clock.advance(999);
    expect((await rateLimits.effective(ACCOUNT)).account?.limits).toEqual(KAZOO_ACCOUNT.account);
    clock.advance(1);
    // Stale now: still served, while one read in the background refreshes it.
    const reads = counter.reads;
    expect((await rateLimits.effective(ACCOUNT)).account?.limits).toEqual(KAZOO_ACCOUNT.account);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await rateLimits.effective(ACCOUNT)).account?.limits).toEqual(KAZOO_CURL_ACCOUNT.account);
    expect(counter.reads - reads).toBe(2); // the account's document and the system's, once each
    await rateLimits.delete(accountKey);
    expect(await rateLimits.effective(ACCOUNT)).toEqual({});
  });

  it('reads only the revision while it stays unmoved, up to maxAgeMs; another instance\'s write is seen at the next check', async () => {
    const clock = createManualClock(0);
    const { repository, inner, counter } = countingRepository();
    const rateLimits = createRateLimits({ repository, clock, cacheMs: 1_000, maxAgeMs: 30_000 });
    await rateLimits.put(accountKey, KAZOO_ACCOUNT);
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    const tick = async () => {
      clock.advance(1_000);
      const limits = (await rateLimits.effective(ACCOUNT)).account?.limits;
      await settle();
      return limits;
    };
    await rateLimits.effective(ACCOUNT);
    await settle();
    // Read before the first revision was known: trusted for its own cacheMs, then read again once.
    await tick();
    const reads = counter.reads;
    const revisionReads = counter.revisionReads;
    // Read again at t = 1 s, they are trusted until t = 31 s (maxAgeMs after their read).
    for (let i = 0; i < 29; i++) expect(await tick()).toEqual(KAZOO_ACCOUNT.account);
    expect(counter.reads).toBe(reads); // 29 s: no document read again
    expect(counter.revisionReads - revisionReads).toBe(29); // one revision read per cacheMs
    // At t = 31 s they are read again, although nothing moved.
    await tick();
    expect(counter.reads - reads).toBe(2); // the account's and the system's

    // "Another instance" writes: straight into the store, which moves its revision.
    await inner.put(accountKey, KAZOO_CURL_ACCOUNT);
    const before = counter.reads;
    expect(await tick()).toEqual(KAZOO_ACCOUNT.account); // the check that sees the move is under way
    expect(await tick()).toEqual(KAZOO_ACCOUNT.account); // stale now: served while one read refreshes it
    expect((await rateLimits.effective(ACCOUNT)).account?.limits).toEqual(KAZOO_CURL_ACCOUNT.account);
    expect(counter.reads - before).toBe(2);
  });

  it('shares one store read among concurrent misses and hands out frozen limits', async () => {
    const { repository, counter } = countingRepository();
    const rateLimits = createRateLimits({ repository, clock: createManualClock(0) });
    await rateLimits.put(deviceKey, KAZOO_DEVICE);
    const answers = await Promise.all(Array.from({ length: 50 }, () => rateLimits.effective(ACCOUNT, DEVICE)));
    expect(counter.reads).toBe(3); // system, account, device: once each
    expect(answers.every((a) => a.device?.source === 'device')).toBe(true);
    expect(() => {
      (answers[0]!.device!.limits.per_second as { invites: number }).invites = 1;
    }).toThrow(TypeError);
  });

  it('serves a stale document while its refresh fails, for staleMs, then reads on the request path', async () => {
    const clock = createManualClock(0);
    const { repository, counter } = countingRepository();
    const rateLimits = createRateLimits({ repository, clock, cacheMs: 1_000, staleMs: 5_000 });
    await rateLimits.put(accountKey, KAZOO_ACCOUNT);
    expect((await rateLimits.effective(ACCOUNT)).account?.source).toBe('account');
    counter.failing = true;
    clock.advance(1_000);
    // Past cacheMs a call starts one read per document; a failed one leaves the stale document
    // served and is tried again a cacheMs later, not on every call.
    const reads = counter.reads;
    expect((await rateLimits.effective(ACCOUNT)).account?.source).toBe('account');
    await new Promise((resolve) => setImmediate(resolve));
    expect((await rateLimits.effective(ACCOUNT)).account?.source).toBe('account');
    expect(counter.reads - reads).toBe(2); // the account's and the system's, once each
    clock.advance(1_000);
    expect((await rateLimits.effective(ACCOUNT)).account?.source).toBe('account');
    expect(counter.reads - reads).toBe(4);
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(3_999);
    expect((await rateLimits.effective(ACCOUNT)).account?.source).toBe('account');
    clock.advance(1);
    await expect(rateLimits.effective(ACCOUNT)).rejects.toThrow('store down');
  });

  it('does not remember a failed read', async () => {
    const { repository, counter } = countingRepository();
    const rateLimits = createRateLimits({ repository, clock: createManualClock(0) });
    counter.failing = true;
    await expect(rateLimits.effective(ACCOUNT)).rejects.toThrow('store down');
    counter.failing = false;
    await rateLimits.put(accountKey, KAZOO_ACCOUNT);
    expect((await rateLimits.effective(ACCOUNT)).account?.source).toBe('account');
  });

  it('holds at most cacheEntries documents, and none with cacheMs 0', async () => {
    const bounded = countingRepository();
    const rateLimits = createRateLimits({ repository: bounded.repository, clock: createManualClock(0), cacheEntries: 2 });
    await rateLimits.effective(ACCOUNT); // system + this account: the cache is full
    await rateLimits.effective(`AC${'1'.repeat(32)}`); // drops the oldest (system)
    const before = bounded.counter.reads;
    await rateLimits.effective(`AC${'1'.repeat(32)}`); // system read again; the account still cached
    expect(bounded.counter.reads - before).toBe(1);

    const uncached = countingRepository();
    const direct = createRateLimits({ repository: uncached.repository, clock: createManualClock(0), cacheMs: 0 });
    await direct.effective(ACCOUNT, DEVICE);
    await direct.effective(ACCOUNT, DEVICE);
    expect(uncached.counter.reads).toBe(6);
  });
});
