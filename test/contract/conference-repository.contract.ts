/** The ConferenceRepository contract: memory and Cassandra run these same cases. */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Conference, ConferenceFilter, ConferenceRepository, Participant } from '../../src/domains/conferences/conference.js';
import { newSid } from '../../src/domains/shared/sids.js';

const T0 = 1_800_000_000_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const conference = (accountId: string, atMs: number, friendlyName = 'room'): Conference => ({
  sid: newSid('CF', atMs), accountId, friendlyName, status: 'in-progress', announceUrl: null, createdAtMs: atMs, updatedAtMs: atMs,
});
const participant = (c: Conference, atMs: number, from = '+14155551212'): Participant => ({
  sid: newSid('CP', atMs), conferenceSid: c.sid, accountId: c.accountId, from, muted: false, joinedAtMs: atMs, leftAtMs: null,
});

/** Every page of a listing, each checked to hold at most pageSize. */
async function allPages(repo: ConferenceRepository, accountId: string, filter: ConferenceFilter, pageSize: number): Promise<Conference[]> {
  const items: Conference[] = [];
  let position: unknown;
  for (let pages = 0; pages < 100; pages++) {
    const page = await repo.list(accountId, filter, pageSize, position);
    expect(page.items.length).toBeLessThanOrEqual(pageSize);
    items.push(...page.items);
    if (page.next === undefined) return items;
    position = JSON.parse(JSON.stringify(page.next));
  }
  throw new Error('the listing did not end');
}

export function conferenceRepositoryContract(name: string, repository: () => ConferenceRepository): void {
  describe(`${name} honours the ConferenceRepository contract`, () => {
    const account = () => newSid('AC', T0);

    it('gives back a created conference, only to its own account', async () => {
      const repo = repository();
      const created = { ...conference(account(), T0), announceUrl: 'https://example.com/a.mp3' };
      await repo.create(created);
      expect(await repo.get(created.accountId, created.sid)).toEqual(created);
      expect(await repo.get(account(), created.sid)).toBeUndefined();
      expect(await repo.get(created.accountId, newSid('CF', T0))).toBeUndefined();
    });

    it('lists a date range newest first across day partitions, page by page, and nothing of another account', async () => {
      const repo = repository();
      const [mine, other] = [account(), account()];
      const made = [0, 1, 2, 25, 49, 50, 75].map((h) => conference(mine, T0 + h * HOUR, `room-${h % 2}`));
      for (const c of [...made, conference(other, T0 + HOUR)]) await repo.create(c);
      const newestFirst = [...made].reverse();
      for (const pageSize of [1, 2, 3, 50]) {
        expect(await allPages(repo, mine, { fromMs: T0 - DAY, toMs: T0 + 4 * DAY }, pageSize)).toEqual(newestFirst);
      }
      // Bounds are inclusive and cut inside a day.
      const inner = await allPages(repo, mine, { fromMs: T0 + HOUR, toMs: T0 + 50 * HOUR }, 2);
      expect(inner.map((c) => c.sid)).toEqual(newestFirst.slice(1, 6).map((c) => c.sid));
      expect(await allPages(repo, mine, { fromMs: T0 + 5 * DAY, toMs: T0 + 6 * DAY }, 10)).toEqual([]);
      // A year of empty days: a store may end pages short to bound their reads, but the walk ends.
      expect(await allPages(repo, mine, { fromMs: T0 - 366 * DAY, toMs: T0 - DAY }, 10)).toEqual([]);
    });

    it('lists one room newest first, within a range when given, page by page', async () => {
      const repo = repository();
      const mine = account();
      const room = `room-${randomUUID().slice(0, 8)}`;
      const inRoom = [0, 30, 60, 90].map((h) => conference(mine, T0 + h * HOUR, room));
      for (const c of [...inRoom, conference(mine, T0 + 10 * HOUR, 'elsewhere'), conference(account(), T0, room)]) await repo.create(c);
      const all = { fromMs: 0, toMs: 0xffffffffffff, friendlyName: room };
      expect(await allPages(repo, mine, all, 3)).toEqual([...inRoom].reverse());
      expect(await allPages(repo, mine, { ...all, fromMs: T0 + 30 * HOUR, toMs: T0 + 60 * HOUR }, 1)).toEqual([inRoom[2], inRoom[1]]);
    });

    it('sets the announcement and ends an ongoing conference, with an updatedAtMs that only grows', async () => {
      const repo = repository();
      const c = conference(account(), T0);
      await repo.create(c);
      const announced = await repo.change(c.accountId, c.sid, { kind: 'announce', announceUrl: 'https://example.com/b.mp3' }, T0);
      expect(announced).toEqual({ kind: 'applied', value: { ...c, announceUrl: 'https://example.com/b.mp3', updatedAtMs: T0 + 1 } });
      const ended = await repo.change(c.accountId, c.sid, { kind: 'end' }, T0 + 5_000);
      const stored = { ...c, announceUrl: 'https://example.com/b.mp3', status: 'completed', updatedAtMs: T0 + 5_000 };
      expect(ended).toEqual({ kind: 'applied', value: stored });
      expect(await repo.change(c.accountId, c.sid, { kind: 'end' }, T0 + 9_000)).toEqual({ kind: 'ended', conference: stored });
      expect(await repo.change(c.accountId, c.sid, { kind: 'announce', announceUrl: 'https://example.com/c.mp3' }, T0 + 9_000)).toEqual({ kind: 'ended', conference: stored });
      expect(await repo.get(c.accountId, c.sid)).toEqual(stored);
      expect(await repo.change(account(), c.sid, { kind: 'end' }, T0)).toEqual({ kind: 'missing' });
    });

    it('lets one of two simultaneous ends apply, and both see the same ended conference', async () => {
      const repo = repository();
      const c = conference(account(), T0);
      await repo.create(c);
      const outcomes = await Promise.all([repo.change(c.accountId, c.sid, { kind: 'end' }, T0 + 1_000), repo.change(c.accountId, c.sid, { kind: 'end' }, T0 + 2_000)]);
      expect(outcomes.map((o) => o.kind).sort()).toEqual(['applied', 'ended']);
      const seen = outcomes.map((o) => (o.kind === 'applied' ? o.value : o.kind === 'ended' ? o.conference : undefined));
      expect(seen[0]).toEqual(seen[1]);
      expect(await repo.get(c.accountId, c.sid)).toEqual(seen[0]);
    });

    it('keeps the listings in step with changes, also when an announcement races the end, and filters by status', async () => {
      const repo = repository();
      const mine = account();
      const room = `room-${randomUUID().slice(0, 8)}`;
      const [a, b] = [conference(mine, T0, room), conference(mine, T0 + HOUR, room)];
      await repo.create(a);
      await repo.create(b);
      await Promise.all([repo.change(mine, a.sid, { kind: 'announce', announceUrl: 'https://example.com/d.mp3' }, T0 + 9_000), repo.change(mine, a.sid, { kind: 'end' }, T0 + 8_000)]);
      const stored = await repo.get(mine, a.sid);
      expect(stored?.status).toBe('completed');
      const range = { fromMs: T0 - HOUR, toMs: T0 + 2 * HOUR };
      for (const filter of [range, { ...range, friendlyName: room }]) {
        expect(await allPages(repo, mine, filter, 5)).toEqual([b, stored]);
        expect(await allPages(repo, mine, { ...filter, status: 'completed' }, 1)).toEqual([stored]);
        expect(await allPages(repo, mine, { ...filter, status: 'in-progress' }, 1)).toEqual([b]);
      }
    });

    it('admits participants to an ongoing conference only, and lists them in join order, page by page', async () => {
      const repo = repository();
      const c = conference(account(), T0);
      await repo.create(c);
      const joined = [1, 2, 3].map((s) => participant(c, T0 + s * 1_000, `+1415555121${s}`));
      for (const p of joined) expect(await repo.join(p)).toEqual({ kind: 'applied', value: p });
      expect(await repo.join({ ...participant(c, T0), accountId: account() })).toEqual({ kind: 'missing' });
      expect(await repo.join(participant({ ...c, sid: newSid('CF', T0) }, T0))).toEqual({ kind: 'missing' });
      const first = await repo.listParticipants(c.accountId, c.sid, 2);
      expect(first.items).toEqual(joined.slice(0, 2));
      const second = await repo.listParticipants(c.accountId, c.sid, 2, JSON.parse(JSON.stringify(first.next)));
      expect(second.items).toEqual(joined.slice(2));
      expect((await repo.listParticipants(account(), c.sid, 10)).items).toEqual([]);
      const ended = await repo.change(c.accountId, c.sid, { kind: 'end' }, T0 + 10_000);
      expect(await repo.join(participant(c, T0 + 11_000))).toEqual({ kind: 'ended', conference: ended.kind === 'applied' ? ended.value : undefined });
      expect((await repo.listParticipants(c.accountId, c.sid, 10)).items).toEqual(joined);
    });

    it('lists no participants of a conference nobody joined', async () => {
      const repo = repository();
      const c = conference(account(), T0);
      await repo.create(c);
      expect(await repo.listParticipants(c.accountId, c.sid, 10)).toEqual({ items: [], next: undefined });
    });

    it('lets a participant leave once; leaving again, or after the end, changes nothing', async () => {
      const repo = repository();
      const c = conference(account(), T0);
      await repo.create(c);
      const [p, q] = [participant(c, T0 + 1), participant(c, T0 + 2)];
      await repo.join(p);
      await repo.join(q);
      expect(await repo.leave(c.accountId, c.sid, p.sid, T0 + 5_000)).toEqual({ ...p, leftAtMs: T0 + 5_000 });
      expect(await repo.leave(c.accountId, c.sid, p.sid, T0 + 6_000)).toEqual({ ...p, leftAtMs: T0 + 5_000 });
      expect(await repo.getParticipant(c.accountId, c.sid, p.sid)).toEqual({ ...p, leftAtMs: T0 + 5_000 });
      expect(await repo.leave(c.accountId, c.sid, newSid('CP', T0), T0)).toBeUndefined();
      expect(await repo.leave(account(), c.sid, q.sid, T0)).toBeUndefined();
      expect(await repo.getParticipant(account(), c.sid, q.sid)).toBeUndefined();
      await repo.change(c.accountId, c.sid, { kind: 'end' }, T0 + 7_000);
      expect(await repo.leave(c.accountId, c.sid, q.sid, T0 + 8_000)).toEqual(q);
    });
  });
}
