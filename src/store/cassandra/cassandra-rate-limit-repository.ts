/**
 * Rate-limit documents in Cassandra (cql/016_devices_rate_limits.cql): the validated document as
 * JSON text in one row per key. A write replaces the row (last write wins, as a POST replaces the
 * document), so plain idempotent writes suffice.
 */
import type cassandra from 'cassandra-driver';
import type { RateLimitDocument } from '../../domains/rate-limits/rate-limit-document.js';
import type { RateLimitKey, RateLimitRepository } from '../../domains/rate-limits/rate-limit-repository.js';
import type { CassandraDomainOptions } from './cassandra-domain-options.js';
import { queryRunner, type RunQuery } from './query-runner.js';

/** The row of a key: the system's is ('system', 'system'), an account's (sid, 'account'), a device's (account sid, device sid). */
function rowKey(key: RateLimitKey): [owner: string, subject: string] {
  if (key.scope === 'system') return ['system', 'system'];
  return key.scope === 'account' ? [key.accountSid, 'account'] : [key.accountSid, key.deviceSid];
}

export class CassandraRateLimitRepository implements RateLimitRepository {
  private readonly q: Record<'get' | 'put' | 'delete', string>;

  private readonly run: RunQuery;

  constructor(client: cassandra.Client, options: CassandraDomainOptions) {
    this.run = queryRunner(client, options, 'Rate limits');
    const ks = options.keyspace;
    this.q = {
      get: `SELECT document FROM ${ks}.rate_limits WHERE owner = ? AND subject = ?`,
      put: `INSERT INTO ${ks}.rate_limits (owner, subject, document, updated_at) VALUES (?, ?, ?, toTimestamp(now()))`,
      delete: `DELETE FROM ${ks}.rate_limits WHERE owner = ? AND subject = ?`,
    };
  }

  async get(key: RateLimitKey): Promise<RateLimitDocument | undefined> {
    const row = (await this.run(this.q.get, rowKey(key))).first();
    return row ? (JSON.parse(row.get('document') as string) as RateLimitDocument) : undefined;
  }

  async put(key: RateLimitKey, document: RateLimitDocument): Promise<void> {
    await this.run(this.q.put, [...rowKey(key), JSON.stringify(document)]);
  }

  async delete(key: RateLimitKey): Promise<void> {
    await this.run(this.q.delete, rowKey(key));
  }
}
