/** The CallRepository contract: memory and Cassandra run these same cases. */
import { describe, expect, it } from 'vitest';
import type { Call, CallFilter, CallRepository } from '../../src/domains/calls/call.js';
import { endedCall } from '../../src/domains/calls/call-price.js';
import { newSid } from '../../src/domains/shared/sids.js';

const T0 = Date.UTC(2027, 0, 10, 12, 0, 0);
const DAY = 86_400_000;
const PRICING = { callPricePerMinute: '0.03000', callPriceUnit: 'USD' };

function makeCall(accountId: string, atMs: number, extra: Partial<Call> = {}): Call {
  return {
    sid: newSid('CA', atMs), accountId, from: '+14155550199', to: '+14155550100', status: 'initiated', direction: 'outbound-api',
    createdAtMs: atMs, updatedAtMs: atMs, startTimeMs: atMs, endTimeMs: null, durationSeconds: null, price: null, priceUnit: 'USD',
    statusCallback: null, callbackSequence: 0, carrier: null, announceUrl: null, limitExceededRule: null, ...extra,
  };
}

/** Every call a listing yields, page after page. */
async function listAll(repo: CallRepository, accountId: string, filter: CallFilter, pageSize: number): Promise<{ sids: string[]; pages: number }> {
  const sids: string[] = [];
  let position: unknown;
  let pages = 0;
  do {
    const page = await repo.list(accountId, filter, pageSize, position);
    expect(page.calls.length).toBeLessThanOrEqual(pageSize);
    sids.push(...page.calls.map((c) => c.sid));
    position = JSON.parse(JSON.stringify(page.next ?? null)) ?? undefined;
    pages++;
  } while (position !== undefined && pages < 100);
  return { sids, pages };
}

export function callRepositoryContract(name: string, repository: () => CallRepository): void {
  describe(`${name} honours the CallRepository contract`, () => {
    it('gives back a created call, to its own account only', async () => {
      const repo = repository();
      const accountId = newSid('AC', T0);
      const plain = makeCall(accountId, T0);
      const withCallback = makeCall(accountId, T0 + 1, { statusCallback: { url: 'https://example.com/s?x=1', events: ['initiated', 'completed'], method: 'GET' }, callbackSequence: 1 });
      await Promise.all([repo.create(plain), repo.create(withCallback)]);
      expect(await repo.get(accountId, plain.sid)).toEqual(plain);
      expect(await repo.get(accountId, withCallback.sid)).toEqual(withCallback);
      expect(await repo.get(newSid('AC', T0), plain.sid)).toBeUndefined();
      expect(await repo.get(accountId, newSid('CA', T0))).toBeUndefined();
    });

    it('keeps what the limiters decided: a carrier, a limit_exceeded call\'s announcement and rule', async () => {
      const repo = repository();
      const accountId = newSid('AC', T0);
      const carried = makeCall(accountId, T0, { carrier: 'carrier-b' });
      const refused = makeCall(accountId, T0 + 1, {
        status: 'limit_exceeded', endTimeMs: T0 + 1, durationSeconds: 0, announceUrl: 'https://example.com/busy.mp3', limitExceededRule: 'calls-at-once-per-account',
      });
      await Promise.all([carried, refused].map((c) => repo.create(c)));
      expect(await repo.get(accountId, carried.sid)).toEqual(carried);
      expect(await repo.get(accountId, refused.sid)).toEqual(refused);
      const range = { fromMs: T0 - DAY, toMs: T0 + DAY };
      expect((await listAll(repo, accountId, { ...range, status: 'limit_exceeded' }, 10)).sids).toEqual([refused.sid]);
      // Moves keep them: a transition writes the status and its times, never what creation decided.
      const ringing: Call = { ...carried, status: 'ringing', updatedAtMs: T0 + 1_000 };
      await repo.transition(carried, ringing);
      const ended = endedCall(ringing, T0 + 5_000, PRICING);
      await repo.transition(ringing, ended);
      const stored = await repo.get(accountId, carried.sid);
      expect(stored).toEqual(ended);
      expect(stored?.carrier).toBe('carrier-b');
    });

    it('never ends a limit_exceeded call (it is not live)', async () => {
      const repo = repository();
      const refused = makeCall(newSid('AC', T0), T0, { status: 'limit_exceeded', endTimeMs: T0, durationSeconds: 0, announceUrl: 'https://example.com/busy.mp3', limitExceededRule: 'r' });
      await repo.create(refused);
      expect(await repo.transition(refused, endedCall(refused, T0 + 1_000, PRICING))).toEqual({ applied: false, stored: refused });
    });

    it('moves a call forward only from the status and sequence it was read in', async () => {
      const repo = repository();
      const call = makeCall(newSid('AC', T0), T0);
      await repo.create(call);
      const ringing: Call = { ...call, status: 'ringing', updatedAtMs: T0 + 1_000, callbackSequence: 1 };
      expect(await repo.transition(call, ringing)).toEqual({ applied: true, stored: ringing });
      // A second move from the state read before: refused, and told what is stored now.
      expect(await repo.transition(call, { ...call, status: 'in-progress', updatedAtMs: T0 + 2_000 })).toEqual({ applied: false, stored: ringing });
      expect(await repo.get(call.accountId, call.sid)).toEqual(ringing);
    });

    it('ends a live call once: a second end, or an end after a callback was fired meanwhile, is not applied', async () => {
      const repo = repository();
      const call = makeCall(newSid('AC', T0), T0);
      await repo.create(call);
      const stale = { ...call };
      const answered: Call = { ...call, status: 'in-progress', updatedAtMs: T0 + 500, callbackSequence: 1 };
      await repo.transition(call, answered);
      expect((await repo.transition(stale, endedCall(stale, T0 + 9_000, PRICING))).applied).toBe(false);
      const ended = endedCall(answered, T0 + 61_000, PRICING);
      expect(await repo.transition(answered, ended)).toEqual({ applied: true, stored: ended });
      expect(await repo.transition(answered, endedCall(answered, T0 + 99_000, PRICING))).toEqual({ applied: false, stored: ended });
    });

    it('lets an end win over a move that did not fire a callback (it needs the call live, not in one status)', async () => {
      const repo = repository();
      const call = makeCall(newSid('AC', T0), T0);
      await repo.create(call);
      await repo.transition(call, { ...call, status: 'ringing', updatedAtMs: T0 + 1 });
      const ended = endedCall(call, T0 + 2_000, PRICING);
      expect(await repo.transition(call, ended)).toEqual({ applied: true, stored: ended });
    });

    it('applies exactly one of many concurrent ends, and every loser sees the winner\'s call', async () => {
      const repo = repository();
      const call = makeCall(newSid('AC', T0), T0);
      await repo.create(call);
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => repo.transition(call, endedCall(call, T0 + 1_000 * (i + 1), PRICING))));
      const winners = results.filter((r) => r.applied);
      expect(winners).toHaveLength(1);
      for (const result of results) expect(result.stored).toEqual(winners[0]!.stored);
      expect(await repo.get(call.accountId, call.sid)).toEqual(winners[0]!.stored);
    });

    it('reports an unknown call as not applied and not stored', async () => {
      const repo = repository();
      const ghost = makeCall(newSid('AC', T0), T0);
      expect(await repo.transition(ghost, endedCall(ghost, T0 + 1, PRICING))).toEqual({ applied: false, stored: undefined });
    });

    it('lists newest first across days, in the range, page by page, without other accounts\' calls', async () => {
      const repo = repository();
      const accountId = newSid('AC', T0);
      const calls = Array.from({ length: 9 }, (_, i) => makeCall(accountId, T0 - i * (DAY / 3)));
      await Promise.all([...calls, makeCall(newSid('AC', T0), T0), makeCall(accountId, T0 - 10 * DAY)].map((c) => repo.create(c)));
      const range = { fromMs: T0 - 5 * DAY, toMs: T0 + DAY };
      const expected = calls.map((c) => c.sid);
      expect((await listAll(repo, accountId, range, 50)).sids).toEqual(expected);
      const paged = await listAll(repo, accountId, range, 2);
      expect(paged.sids).toEqual(expected);
      expect(paged.pages).toBeGreaterThanOrEqual(5);
      expect((await listAll(repo, accountId, { fromMs: T0 - DAY / 2, toMs: T0 }, 50)).sids).toEqual(expected.slice(0, 2));
    });

    it('filters by status, from and to while paging', async () => {
      const repo = repository();
      const accountId = newSid('AC', T0);
      const calls = Array.from({ length: 12 }, (_, i) =>
        makeCall(accountId, T0 - i * 3_600_000, { status: i % 3 === 0 ? 'completed' : 'initiated', from: i % 2 === 0 ? '+14155550111' : '+14155550199', to: i < 6 ? '+14155550100' : '+14155550101' }),
      );
      await Promise.all(calls.map((c) => repo.create(c)));
      const range = { fromMs: T0 - 2 * DAY, toMs: T0 };
      const expect3 = (filter: Partial<CallFilter>, predicate: (c: Call) => boolean) =>
        listAll(repo, accountId, { ...range, ...filter }, 2).then(({ sids }) => expect(sids).toEqual(calls.filter(predicate).map((c) => c.sid)));
      await expect3({ status: 'completed' }, (c) => c.status === 'completed');
      await expect3({ from: '+14155550111' }, (c) => c.from === '+14155550111');
      await expect3({ to: '+14155550101', status: 'initiated' }, (c) => c.to === '+14155550101' && c.status === 'initiated');
      await expect3({ from: '+19999999999' }, () => false);
    });

    it('lists nothing for an account without calls', async () => {
      const repo = repository();
      expect(await repo.list(newSid('AC', T0), { fromMs: T0 - DAY, toMs: T0 }, 10)).toEqual({ calls: [], next: undefined });
    });
  });
}
