/** Accounts in memory, for `npm start` without Cassandra. */
import type { Account, AccountRepository } from '../../domains/accounts/accounts.js';

export class MemoryAccountRepository implements AccountRepository {
  private readonly byId = new Map<string, Account>();
  private readonly byToken = new Map<string, string>();

  async create(account: Account): Promise<void> {
    this.byId.set(account.accountId, { ...account, tokenHash: Buffer.from(account.tokenHash) });
    this.byToken.set(account.tokenHash.toString('hex'), account.accountId);
  }

  async get(accountId: string): Promise<Account | undefined> {
    const account = this.byId.get(accountId);
    return account && { ...account, tokenHash: Buffer.from(account.tokenHash) };
  }

  async findByTokenHash(tokenHash: Buffer): Promise<Account | undefined> {
    const id = this.byToken.get(tokenHash.toString('hex'));
    return id === undefined ? undefined : this.get(id);
  }
}
