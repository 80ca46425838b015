/** The CdrRepository contract: memory and Cassandra run these same cases. */
import { describe, expect, it } from 'vitest';
import type { Cdr, CdrRepository, TimeRange } from '../../src/domains/cdrs/cdr.js';
import { newSid } from '../../src/domains/shared/sids.js';

const DAY = 86_400_000;
/** Noon UTC of a day in the past, so that no range here reaches into another test's "now". */
const T0 = Date.UTC(2026, 10, 20, 12);

export function cdrAt(accountId: string, ms: number, overrides: Partial<Cdr> = {}): Cdr {
  return {
    callSid: newSid('CA', ms),
    accountId,
    from: '+14155550100',
    to: '+14155550199',
    direction: 'outbound-api',
    startTimeMs: ms,
    endTimeMs: ms + 61_000,
    durationSeconds: 61,
    price: '-0.06000',
    priceUnit: 'USD',
    status: 'completed',
    ...overrides,
  };
}

/** Every page of a listing, following `next` until there is none. */
export async function allPages(repo: CdrRepository, accountId: string, range: TimeRange, pageSize: (page: number) => number): Promise<Cdr[][]> {
  const pages: Cdr[][] = [];
  let position: unknown;
  do {
    const page = await repo.list(accountId, range, pageSize(pages.length), position);
    pages.push(page.cdrs);
    position = page.next === undefined ? undefined : JSON.parse(JSON.stringify(page.next));
    expect(pages.length).toBeLessThan(100);
  } while (position !== undefined);
  return pages;
}

async function drain(stream: AsyncIterable<Cdr>): Promise<Cdr[]> {
  const out: Cdr[] = [];
  for await (const cdr of stream) out.push(cdr);
  return out;
}

const sids = (cdrs: readonly Cdr[]) => cdrs.map((c) => c.callSid);
const newestFirst = (cdrs: readonly Cdr[]) => sids(cdrs).sort().reverse();
const oldestFirst = (cdrs: readonly Cdr[]) => sids(cdrs).sort();

/** Records in small concurrent batches (the Cassandra node is shared). */
async function recordAll(repo: CdrRepository, cdrs: readonly Cdr[]): Promise<void> {
  for (let i = 0; i < cdrs.length; i += 64) await Promise.all(cdrs.slice(i, i + 64).map((c) => repo.record(c)));
}

export function cdrRepositoryContract(name: string, repository: () => CdrRepository): void {
  describe(`${name} honours the CdrRepository contract`, () => {
    it('gives back a recorded CDR by account and call sid, and nothing for an unknown or foreign one', async () => {
      const repo = repository();
      const [a, b] = [newSid('AC', T0), newSid('AC', T0)];
      const cdr = cdrAt(a, T0);
      await repo.record(cdr);
      expect(await repo.get(a, cdr.callSid)).toEqual(cdr);
      expect(await repo.get(b, cdr.callSid)).toBeUndefined();
      expect(await repo.get(a, newSid('CA', T0))).toBeUndefined();
      expect(await repo.get(a, 'CA-not-a-sid')).toBeUndefined();
    });

    it('keeps one row when the same call is recorded twice (the last write wins)', async () => {
      const repo = repository();
      const account = newSid('AC', T0);
      const cdr = cdrAt(account, T0);
      await Promise.all([repo.record(cdr), repo.record(cdr)]);
      await repo.record({ ...cdr, price: '-0.09000', durationSeconds: 121 });
      expect(await repo.get(account, cdr.callSid)).toMatchObject({ price: '-0.09000', durationSeconds: 121 });
      const page = await repo.list(account, { fromMs: T0 - DAY, toMs: T0 + DAY }, 10);
      expect(sids(page.cdrs)).toEqual([cdr.callSid]);
    });

    it('lists newest first, page by page across several day partitions, each CDR once', async () => {
      const repo = repository();
      const account = newSid('AC', T0);
      // 4 days of 4 calls each, and two empty days in the middle of the range.
      const cdrs = [0, 1, 4, 5].flatMap((day) => [0, 1, 2, 3].map((i) => cdrAt(account, T0 - day * DAY + i * 3_600_000)));
      await recordAll(repo, cdrs);
      const range = { fromMs: T0 - 6 * DAY, toMs: T0 + DAY };
      const pages = await allPages(repo, account, range, () => 3);
      for (const page of pages) expect(page.length).toBeLessThanOrEqual(3);
      // Only the last page may be short (a store that cannot tell it has reached the end hands out one more, empty).
      for (const page of pages.slice(0, -1)) expect(page.length).toBe(3);
      expect(sids(pages.flat())).toEqual(newestFirst(cdrs));
      expect(pages[0]![0]).toEqual(cdrs[3]); // day 0's last call, whole
    });

    it('continues a listing with another page size', async () => {
      const repo = repository();
      const account = newSid('AC', T0);
      const cdrs = [0, 1, 2].flatMap((day) => [0, 1, 2, 3, 4].map((i) => cdrAt(account, T0 - day * DAY + i * 60_000)));
      await recordAll(repo, cdrs);
      const pages = await allPages(repo, account, { fromMs: T0 - 3 * DAY, toMs: T0 + DAY }, (n) => [2, 7, 4][n % 3]!);
      expect(sids(pages.flat())).toEqual(newestFirst(cdrs));
    });

    it('holds both ends of a range inclusive, to the millisecond', async () => {
      const repo = repository();
      const account = newSid('AC', T0);
      const range = { fromMs: T0 - DAY - 5_000, toMs: T0 + 5_000 };
      const inside = [cdrAt(account, range.fromMs), cdrAt(account, T0 - 3_600_000), cdrAt(account, range.toMs)];
      const outside = [cdrAt(account, range.fromMs - 1), cdrAt(account, range.toMs + 1)];
      await recordAll(repo, [...inside, ...outside]);
      expect(sids((await repo.list(account, range, 50)).cdrs)).toEqual(newestFirst(inside));
      expect(sids(await drain(repo.stream(account, range)))).toEqual(oldestFirst(inside));
    });

    it('streams every CDR of the range oldest first across days, and an empty range as nothing', async () => {
      const repo = repository();
      const account = newSid('AC', T0);
      const cdrs = [3, 2, 0].flatMap((day) => [5, 1, 3].map((i) => cdrAt(account, T0 - day * DAY + i * 1_000)));
      await recordAll(repo, cdrs);
      const streamed = await drain(repo.stream(account, { fromMs: T0 - 4 * DAY, toMs: T0 + DAY }));
      expect(sids(streamed)).toEqual(oldestFirst(cdrs));
      expect(streamed.find((c) => c.callSid === cdrs[0]!.callSid)).toEqual(cdrs[0]);
      expect(await drain(repo.stream(account, { fromMs: T0 + 2 * DAY, toMs: T0 + 3 * DAY }))).toEqual([]);
      expect(await repo.list(account, { fromMs: T0 + 2 * DAY, toMs: T0 + 3 * DAY }, 10)).toEqual({ cdrs: [], next: undefined });
    });

    it('streams a day of more rows than one read fetches, and stops when the consumer does', async () => {
      const repo = repository();
      const account = newSid('AC', T0);
      const cdrs = Array.from({ length: 2_100 }, (_, i) => cdrAt(account, T0 + i * 10));
      await recordAll(repo, cdrs);
      const range = { fromMs: T0 - DAY, toMs: T0 + DAY };
      expect(sids(await drain(repo.stream(account, range)))).toEqual(oldestFirst(cdrs));
      const firstFew: Cdr[] = [];
      for await (const cdr of repo.stream(account, range)) if (firstFew.push(cdr) === 5) break;
      expect(sids(firstFew)).toEqual(oldestFirst(cdrs).slice(0, 5));
    });

    it('keeps accounts apart', async () => {
      const repo = repository();
      const [a, b] = [newSid('AC', T0), newSid('AC', T0)];
      const ofA = [cdrAt(a, T0), cdrAt(a, T0 - DAY)];
      const ofB = [cdrAt(b, T0 + 1), cdrAt(b, T0 - DAY + 1)];
      await recordAll(repo, [...ofA, ...ofB]);
      const range = { fromMs: T0 - 2 * DAY, toMs: T0 + DAY };
      expect(sids((await allPages(repo, a, range, () => 10)).flat())).toEqual(newestFirst(ofA));
      expect(sids(await drain(repo.stream(b, range)))).toEqual(oldestFirst(ofB));
    });
  });
}
