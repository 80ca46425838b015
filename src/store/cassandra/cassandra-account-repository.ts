/** Accounts in Cassandra: the account row and the token-hash lookup row, written in one logged batch. */
import type cassandra from 'cassandra-driver';
import type { Account, AccountRepository } from '../../domains/accounts/accounts.js';
import { serviceUnavailable } from '../../errors.js';
import type { CassandraDomainOptions } from './cassandra-domain-options.js';

export class CassandraAccountRepository implements AccountRepository {
  private readonly insertAccount: string;
  private readonly insertToken: string;
  private readonly selectAccount: string;
  private readonly selectToken: string;

  constructor(private readonly client: cassandra.Client, private readonly options: CassandraDomainOptions) {
    const ks = options.keyspace;
    this.insertAccount = `INSERT INTO ${ks}.accounts (account_id, friendly_name, token_hash, created_at) VALUES (?, ?, ?, ?)`;
    this.insertToken = `INSERT INTO ${ks}.account_tokens (token_hash, account_id) VALUES (?, ?)`;
    this.selectAccount = `SELECT account_id, friendly_name, token_hash, created_at FROM ${ks}.accounts WHERE account_id = ?`;
    this.selectToken = `SELECT account_id FROM ${ks}.account_tokens WHERE token_hash = ?`;
  }

  async create(account: Account): Promise<void> {
    try {
      await this.client.batch(
        [
          { query: this.insertAccount, params: [account.accountId, account.friendlyName, account.tokenHash, new Date(account.createdAtMs)] },
          { query: this.insertToken, params: [account.tokenHash, account.accountId] },
        ],
        { prepare: true, logged: true, consistency: this.options.consistency, readTimeout: this.options.timeoutMs, isIdempotent: true },
      );
    } catch (error) {
      throw serviceUnavailable('Accounts', error);
    }
  }

  async get(accountId: string): Promise<Account | undefined> {
    const row = (await this.read(this.selectAccount, [accountId])).first();
    if (!row) return undefined;
    return {
      accountId: row.get('account_id'),
      friendlyName: row.get('friendly_name'),
      tokenHash: row.get('token_hash'),
      createdAtMs: (row.get('created_at') as Date).getTime(),
    };
  }

  async findByTokenHash(tokenHash: Buffer): Promise<Account | undefined> {
    const row = (await this.read(this.selectToken, [tokenHash])).first();
    return row ? this.get(row.get('account_id')) : undefined;
  }

  private async read(query: string, params: unknown[]): Promise<cassandra.types.ResultSet> {
    try {
      return await this.client.execute(query, params, { prepare: true, consistency: this.options.consistency, readTimeout: this.options.timeoutMs, isIdempotent: true });
    } catch (error) {
      throw serviceUnavailable('Accounts', error);
    }
  }
}
