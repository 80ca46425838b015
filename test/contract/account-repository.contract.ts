/** The AccountRepository contract: memory and Cassandra run these same cases. */
import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Account, AccountRepository } from '../../src/domains/accounts/accounts.js';
import { newSid } from '../../src/domains/shared/sids.js';

const T0 = 1_800_000_000_000;
const account = (): Account => ({
  accountId: newSid('AC', T0),
  friendlyName: `acme-${randomUUID().slice(0, 6)}`,
  tokenHash: createHash('sha256').update(randomUUID()).digest(),
  createdAtMs: T0,
});

export function accountRepositoryContract(name: string, repository: () => AccountRepository): void {
  describe(`${name} honours the AccountRepository contract`, () => {
    it('gives back a created account by id and by token hash', async () => {
      const repo = repository();
      const created = account();
      await repo.create(created);
      expect(await repo.get(created.accountId)).toEqual(created);
      expect(await repo.findByTokenHash(created.tokenHash)).toEqual(created);
    });

    it('knows nothing of an unknown id or token hash', async () => {
      const repo = repository();
      expect(await repo.get(newSid('AC', T0))).toBeUndefined();
      expect(await repo.findByTokenHash(createHash('sha256').update('nobody').digest())).toBeUndefined();
    });

    it('keeps accounts apart', async () => {
      const repo = repository();
      const [a, b] = [account(), { ...account(), friendlyName: null }];
      await Promise.all([repo.create(a), repo.create(b)]);
      expect((await repo.findByTokenHash(b.tokenHash))?.accountId).toBe(b.accountId);
      expect((await repo.get(a.accountId))?.tokenHash).toEqual(a.tokenHash);
      expect((await repo.get(b.accountId))?.friendlyName).toBeNull();
    });
  });
}
