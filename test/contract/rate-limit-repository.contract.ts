/**
 * The RateLimitRepository contract: memory and Cassandra run these same cases. The system
 * document is one per store, so the Cassandra run has a keyspace of its own.
 */
import { describe, expect, it } from 'vitest';
import type { AccountDocument, DeviceDocument, SystemDocument } from '../../src/domains/rate-limits/rate-limit-document.js';
import type { RateLimitKey, RateLimitRepository } from '../../src/domains/rate-limits/rate-limit-repository.js';
import { newSid } from '../../src/domains/shared/sids.js';

const T0 = 1_800_000_000_000;

const accountDocument: AccountDocument = {
  account: { per_minute: { registrations: 100, invites: 100, total_packets: 1000 }, per_second: { registrations: 5, invites: 5, total_packets: 20 } },
  device: { per_minute: { registrations: 10, invites: 10, total_packets: 100 }, per_second: { registrations: 2, invites: 4, total_packets: 10 } },
};
const deviceDocument: DeviceDocument = { per_second: { invites: 4 }, consistency: 'fast' };
const systemDocument: SystemDocument = { ...accountDocument, system: { per_second: { total_packets: 20_000 } }, consistency: 'exact' };

export function rateLimitRepositoryContract(name: string, repository: () => RateLimitRepository): void {
  describe(`${name} honours the RateLimitRepository contract`, () => {
    const keys = () => {
      const accountSid = newSid('AC', T0);
      return {
        account: { scope: 'account', accountSid } as RateLimitKey,
        device: { scope: 'device', accountSid, deviceSid: newSid('DV', T0) } as RateLimitKey,
        system: { scope: 'system' } as RateLimitKey,
      };
    };

    it('gives back each kind of document as it was put, and replaces it whole', async () => {
      const repo = repository();
      const { account, device, system } = keys();
      await Promise.all([repo.put(account, accountDocument), repo.put(device, deviceDocument), repo.put(system, systemDocument)]);
      expect(await repo.get(account)).toEqual(accountDocument);
      expect(await repo.get(device)).toEqual(deviceDocument);
      expect(await repo.get(system)).toEqual(systemDocument);
      await repo.put(account, { device: { per_minute: { total_packets: 300 } } });
      expect(await repo.get(account)).toEqual({ device: { per_minute: { total_packets: 300 } } });
      await repo.put(device, {});
      expect(await repo.get(device)).toEqual({});
      await repo.delete(system);
    });

    it('moves its revision with every put and delete, even of an absent key, and never with a read', async () => {
      const repo = repository();
      const { account, device } = keys();
      const seen = [await repo.revision()];
      await repo.put(account, accountDocument);
      seen.push(await repo.revision());
      await repo.get(account);
      expect(await repo.revision()).toBe(seen[1]);
      await repo.put(account, accountDocument); // the same document again still counts as a write
      seen.push(await repo.revision());
      await repo.delete(device); // nothing there
      seen.push(await repo.revision());
      await repo.delete(account);
      seen.push(await repo.revision());
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('knows nothing of a key never put', async () => {
      const repo = repository();
      const { account, device } = keys();
      expect(await repo.get(account)).toBeUndefined();
      expect(await repo.get(device)).toBeUndefined();
      expect(await repo.get({ scope: 'system' })).toBeUndefined();
    });

    it('keeps keys apart: an account\'s document, its device\'s, another account\'s device of the same sid, the system\'s', async () => {
      const repo = repository();
      const { account, device } = keys();
      if (device.scope !== 'device') throw new Error('a device key');
      const elsewhere: RateLimitKey = { scope: 'device', accountSid: newSid('AC', T0), deviceSid: device.deviceSid };
      await repo.put(account, accountDocument);
      await repo.put(elsewhere, deviceDocument);
      expect(await repo.get(device)).toBeUndefined();
      expect(await repo.get({ scope: 'system' })).toBeUndefined();
      await repo.put(device, { per_minute: { registrations: 1 } });
      expect(await repo.get(account)).toEqual(accountDocument);
      expect(await repo.get(elsewhere)).toEqual(deviceDocument);
      expect(await repo.get(device)).toEqual({ per_minute: { registrations: 1 } });
    });

    it('deletes one key\'s document only; deleting an absent one changes nothing', async () => {
      const repo = repository();
      const { account, device, system } = keys();
      await Promise.all([repo.put(account, accountDocument), repo.put(device, deviceDocument), repo.put(system, systemDocument)]);
      await repo.delete(device);
      await repo.delete(device);
      expect(await repo.get(device)).toBeUndefined();
      expect(await repo.get(account)).toEqual(accountDocument);
      expect(await repo.get(system)).toEqual(systemDocument);
      await repo.delete(system);
      expect(await repo.get(system)).toBeUndefined();
      expect(await repo.get(account)).toEqual(accountDocument);
    });

    it('hands out copies: changing what it gave back changes nothing stored', async () => {
      const repo = repository();
      const { account } = keys();
      const put = structuredClone(accountDocument);
      await repo.put(account, put);
      put.account!.per_second!.invites = 999;
      const read = (await repo.get(account)) as AccountDocument;
      read.device!.per_minute!.invites = 999;
      expect(await repo.get(account)).toEqual(accountDocument);
    });
  });
}
