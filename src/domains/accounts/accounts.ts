/**
 * Accounts and their auth tokens. A token is 32 random bytes (base64url), shown once at creation;
 * only its SHA-256 is stored (a token has 256 bits of entropy, so an unsalted hash cannot be
 * reversed by guessing, and it can be looked up by hash for Bearer requests). Presented tokens
 * are compared with the stored hash in constant time. Recently verified tokens are remembered for
 * a few seconds so that a busy account does not cost a Cassandra read per request.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../clock.js';
import { isSid, newSid } from '../shared/sids.js';
import { rfc2822 } from '../shared/time-format.js';
import { BoundedMemo } from '../../keys/bounded-memo.js';
import type { AccountResource, CreateAccountBody, CreatedAccount } from './account-schema.js';

export interface Account {
  accountId: string;
  friendlyName: string | null;
  /** SHA-256 of the auth token. */
  tokenHash: Buffer;
  createdAtMs: number;
}

/** Where accounts are kept: store/memory and store/cassandra implement it (test/contract/account-repository.contract.ts). */
export interface AccountRepository {
  create(account: Account): Promise<void>;
  get(accountId: string): Promise<Account | undefined>;
  /** The account whose token has this hash. */
  findByTokenHash(tokenHash: Buffer): Promise<Account | undefined>;
}

/** The authenticated caller of an account route. */
export interface Caller {
  accountId: string;
}

export type Credentials = { kind: 'bearer'; token: string } | { kind: 'basic'; accountId: string; token: string };

export interface AccountsDeps {
  repository: AccountRepository;
  clock: Clock;
  /** How long a verified token is trusted without asking the store again (0: never). */
  cacheMs?: number;
  cacheEntries?: number;
}

export interface Accounts {
  create(body: CreateAccountBody): Promise<CreatedAccount>;
  get(accountId: string): Promise<AccountResource | undefined>;
  /** The caller these credentials prove, or undefined. */
  authenticate(credentials: Credentials): Promise<Caller | undefined>;
}

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest();

export function createAccounts(deps: AccountsDeps): Accounts {
  const cacheMs = deps.cacheMs ?? 10_000;
  const maxEntries = deps.cacheEntries ?? 10_000;
  // token hash (hex) -> account and when it was verified; the oldest verification first out.
  const verified = new BoundedMemo<string, { account: Account; atMs: number }>(maxEntries);

  const resource = (a: Account): AccountResource => ({ accountId: a.accountId, friendlyName: a.friendlyName, status: 'active', dateCreated: rfc2822(a.createdAtMs)! });

  async function lookup(hash: Buffer): Promise<Account | undefined> {
    const key = hash.toString('hex');
    const now = deps.clock();
    const hit = verified.get(key);
    if (hit && now - hit.atMs < cacheMs) return hit.account;
    verified.delete(key);
    const account = await deps.repository.findByTokenHash(hash);
    if (account && cacheMs > 0) verified.set(key, { account, atMs: now });
    return account;
  }

  return {
    async create(body) {
      const authToken = randomBytes(32).toString('base64url');
      const account: Account = { accountId: newSid('AC', deps.clock()), friendlyName: body.friendlyName?.trim() || null, tokenHash: hashToken(authToken), createdAtMs: deps.clock() };
      await deps.repository.create(account);
      return { ...resource(account), authToken };
    },
    async get(accountId) {
      if (!isSid('AC', accountId)) return undefined;
      const account = await deps.repository.get(accountId);
      return account && resource(account);
    },
    async authenticate(credentials) {
      const hash = hashToken(credentials.token);
      const account = await lookup(hash);
      // The hash lookup found it; compare anyway in constant time, and for Basic the account id too.
      if (!account || !timingSafeEqual(account.tokenHash, hash)) return undefined;
      if (credentials.kind === 'basic' && credentials.accountId !== account.accountId) return undefined;
      return { accountId: account.accountId };
    },
  };
}
