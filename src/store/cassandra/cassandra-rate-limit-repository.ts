/**
 * Rate-limit documents in Cassandra (cql/016_devices_rate_limits.cql): the validated document as
 * JSON text in one row per key. A write replaces the row (last write wins, as a POST replaces the
 * document), so plain idempotent writes suffice. Each write also moves the revision row
 * (cql/020_rate_limits_revision.cql) in the same logged batch: the batch log lands both or
 * neither, so an instance that sees the revision unmoved can trust the documents it read before.
 */
import type cassandra from 'cassandra-driver';
import { serviceUnavailable } from '../../errors.js';
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
  private readonly q: Record<'get' | 'put' | 'delete' | 'bump' | 'revision', string>;

  private readonly run: RunQuery;

  constructor(
    private readonly client: cassandra.Client,
    private readonly options: CassandraDomainOptions,
  ) {
    this.run = queryRunner(client, options, 'Rate limits');
    const ks = options.keyspace;
    this.q = {
      get: `SELECT document FROM ${ks}.rate_limits WHERE owner = ? AND subject = ?`,
      put: `INSERT INTO ${ks}.rate_limits (owner, subject, document, updated_at) VALUES (?, ?, ?, toTimestamp(now()))`,
      delete: `DELETE FROM ${ks}.rate_limits WHERE owner = ? AND subject = ?`,
      bump: `UPDATE ${ks}.rate_limits_revision SET changed = now() WHERE id = 'documents'`,
      revision: `SELECT changed FROM ${ks}.rate_limits_revision WHERE id = 'documents'`,
    };
  }

  async get(key: RateLimitKey): Promise<RateLimitDocument | undefined> {
    const row = (await this.run(this.q.get, rowKey(key))).first();
    return row ? (JSON.parse(row.get('document') as string) as RateLimitDocument) : undefined;
  }

  async put(key: RateLimitKey, document: RateLimitDocument): Promise<void> {
    await this.writeAndBump(this.q.put, [...rowKey(key), JSON.stringify(document)]);
  }

  async delete(key: RateLimitKey): Promise<void> {
    await this.writeAndBump(this.q.delete, rowKey(key));
  }

  async revision(): Promise<string> {
    const row = (await this.run(this.q.revision, [])).first();
    return row ? String(row.get('changed')) : '';
  }

  /** The write and a new revision in one logged batch (a retry only moves the revision once more). */
  private async writeAndBump(query: string, params: unknown[]): Promise<void> {
    const statements = [{ query, params }, { query: this.q.bump, params: [] }];
    try {
      await this.client.batch(statements, { prepare: true, logged: true, consistency: this.options.consistency, readTimeout: this.options.timeoutMs, isIdempotent: true });
    } catch (error) {
      throw serviceUnavailable('Rate limits', error);
    }
  }
}
