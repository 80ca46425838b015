/** The DeviceRepository contract: memory and Cassandra run these same cases. */
import { describe, expect, it } from 'vitest';
import type { Device, DeviceRepository } from '../../src/domains/devices/device.js';
import { newSid } from '../../src/domains/shared/sids.js';

const T0 = 1_800_000_000_000;

const device = (accountSid: string, atMs: number, extra: Partial<Device> = {}): Device => ({ sid: newSid('DV', atMs), accountSid, name: `desk ${atMs - T0}`, createdAtMs: atMs, ...extra });

/** Every page of a listing (positions round-tripped through JSON, as page tokens carry them), each at most pageSize. */
async function allPages(repo: DeviceRepository, accountSid: string, pageSize: number): Promise<Device[]> {
  const items: Device[] = [];
  let position: unknown;
  for (let pages = 0; pages < 100; pages++) {
    const page = await repo.list(accountSid, pageSize, position);
    expect(page.items.length).toBeLessThanOrEqual(pageSize);
    items.push(...page.items);
    if (page.next === undefined) return items;
    position = JSON.parse(JSON.stringify(page.next));
  }
  throw new Error('the listing did not end');
}

export function deviceRepositoryContract(name: string, repository: () => DeviceRepository): void {
  describe(`${name} honours the DeviceRepository contract`, () => {
    const account = () => newSid('AC', T0);

    it('gives back a created device with and without a SIP username, only to its own account', async () => {
      const repo = repository();
      const owner = account();
      const [plain, registered] = [device(owner, T0), device(owner, T0 + 1, { sipUsername: 'user_7h3k2' })];
      await Promise.all([repo.create(plain), repo.create(registered)]);
      expect(await repo.get(owner, plain.sid)).toEqual(plain);
      expect(await repo.get(owner, registered.sid)).toEqual(registered);
      expect(await repo.get(account(), plain.sid)).toBeUndefined();
      expect(await repo.get(owner, newSid('DV', T0))).toBeUndefined();
    });

    it('lists an account\'s devices oldest first, page by page, and no other account\'s', async () => {
      const repo = repository();
      const [owner, other] = [account(), account()];
      const created = Array.from({ length: 5 }, (_, i) => device(owner, T0 + i * 1_000));
      for (const d of [...created].reverse()) await repo.create(d);
      await repo.create(device(other, T0));
      expect(await allPages(repo, owner, 2)).toEqual(created);
      expect(await allPages(repo, owner, 100)).toEqual(created);
      expect(await allPages(repo, account(), 10)).toEqual([]);
    });

    it('deletes a device of its own account only; deleting an absent one changes nothing', async () => {
      const repo = repository();
      const [owner, other] = [account(), account()];
      const [kept, gone] = [device(owner, T0), device(owner, T0 + 1)];
      await Promise.all([repo.create(kept), repo.create(gone)]);
      await repo.delete(other, gone.sid);
      expect(await repo.get(owner, gone.sid)).toEqual(gone);
      await repo.delete(owner, gone.sid);
      await repo.delete(owner, gone.sid);
      await repo.delete(owner, newSid('DV', T0));
      expect(await repo.get(owner, gone.sid)).toBeUndefined();
      expect(await allPages(repo, owner, 10)).toEqual([kept]);
    });

    it('hands out copies: changing what it gave back changes nothing stored', async () => {
      const repo = repository();
      const created = device(account(), T0);
      await repo.create(created);
      const read = (await repo.get(created.accountSid, created.sid))!;
      read.name = 'changed';
      expect(await repo.get(created.accountSid, created.sid)).toEqual(created);
    });
  });
}
