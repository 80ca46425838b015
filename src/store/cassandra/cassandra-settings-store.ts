/**
 * Settings in Cassandra (cql/010_system_settings.cql). A write first moves the revision row with
 * a lightweight transaction; only the writer that won it writes the setting and its audit entry
 * (one logged batch). A crash between the two leaves a revision with no change: instances reload
 * and find the same rules, which is harmless, and the admin may simply repeat the write.
 */
import cassandra from 'cassandra-driver';
import { AUDIT_RETENTION_DAYS, type AuditEntry, type AuditPage, type Setting, type SettingsStore, type SettingsWrite } from '../../domains/settings/settings-store.js';
import { serviceUnavailable } from '../../errors.js';
import type { CassandraDomainOptions } from './cassandra-domain-options.js';
import { queryRunner, type RunQuery } from './query-runner.js';

const ROW = 'settings';
const monthOf = (ms: number) => new Date(ms).toISOString().slice(0, 7);

export class CassandraSettingsStore implements SettingsStore {
  private readonly q: Record<'revision' | 'first' | 'next' | 'list' | 'get' | 'upsert' | 'remove' | 'audit' | 'page', string>;

  private readonly run: RunQuery;

  constructor(private readonly client: cassandra.Client, private readonly options: CassandraDomainOptions) {
    this.run = queryRunner(client, options, 'Settings');
    const ks = options.keyspace;
    this.q = {
      revision: `SELECT revision FROM ${ks}.settings_revision WHERE id = '${ROW}'`,
      first: `INSERT INTO ${ks}.settings_revision (id, revision) VALUES ('${ROW}', 1) IF NOT EXISTS`,
      next: `UPDATE ${ks}.settings_revision SET revision = ? WHERE id = '${ROW}' IF revision = ?`,
      list: `SELECT name, value, version, updated_by, updated_at FROM ${ks}.system_settings`,
      get: `SELECT name, value, version, updated_by, updated_at FROM ${ks}.system_settings WHERE name = ?`,
      upsert: `INSERT INTO ${ks}.system_settings (name, value, version, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)`,
      remove: `DELETE FROM ${ks}.system_settings WHERE name = ?`,
      audit: `INSERT INTO ${ks}.settings_audit (month, at, who, name, subject, old_hash, new_hash, before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      page: `SELECT at, who, name, subject, old_hash, new_hash, before, after FROM ${ks}.settings_audit WHERE month = ?`,
    };
  }

  async revision(): Promise<number> {
    const row = (await this.run(this.q.revision, [])).first();
    return row ? Number(row.get('revision')) : 0;
  }

  async list(): Promise<Setting[]> {
    return (await this.run(this.q.list, [])).rows.map(toSetting);
  }

  async get(name: string): Promise<Setting | undefined> {
    const row = (await this.run(this.q.get, [name])).first();
    return row ? toSetting(row) : undefined;
  }

  async write(change: SettingsWrite): Promise<{ applied: boolean; revision: number }> {
    const next = change.expectedRevision + 1;
    const cas = change.expectedRevision === 0
      ? await this.run(this.q.first, [], { serialConsistency: this.options.serialConsistency, isIdempotent: false })
      : await this.run(this.q.next, [cassandra.types.Long.fromNumber(next), cassandra.types.Long.fromNumber(change.expectedRevision)], { serialConsistency: this.options.serialConsistency, isIdempotent: false });
    if (!cas.wasApplied()) return { applied: false, revision: await this.revision() };
    const a = change.audit;
    const write = change.value === null
      ? { query: this.q.remove, params: [change.name] }
      : { query: this.q.upsert, params: [change.name, change.value, cassandra.types.Long.fromNumber(next), a.who, new Date(a.atMs)] };
    const audit = { query: this.q.audit, params: [monthOf(a.atMs), cassandra.types.TimeUuid.fromDate(new Date(a.atMs)), a.who, a.name, a.subject, a.oldHash, a.newHash, a.before, a.after] };
    try {
      await this.client.batch([write, audit], { prepare: true, logged: true, consistency: this.options.consistency, readTimeout: this.options.timeoutMs });
    } catch (error) {
      throw serviceUnavailable('Settings', error);
    }
    return { applied: true, revision: next };
  }

  async audit(nowMs: number, pageSize: number, position?: unknown): Promise<AuditPage> {
    const months = Array.from({ length: Math.ceil(AUDIT_RETENTION_DAYS / 30) + 1 }, (_, i) => monthOf(Date.UTC(new Date(nowMs).getUTCFullYear(), new Date(nowMs).getUTCMonth() - i, 1)));
    const at = isPosition(position) ? position : { month: months[0]!, state: undefined };
    let index = months.indexOf(at.month);
    if (index < 0) return { entries: [], next: undefined };
    let state = at.state;
    const entries: AuditEntry[] = [];
    while (index < months.length) {
      const result = await this.run(this.q.page, [months[index]], { fetchSize: pageSize - entries.length, ...(state ? { pageState: state } : {}) });
      entries.push(...result.rows.map(toEntry));
      state = result.pageState ?? undefined;
      if (entries.length >= pageSize) {
        if (state) return { entries, next: { month: months[index]!, state } };
        return { entries, next: months[index + 1] === undefined ? undefined : { month: months[index + 1]! } };
      }
      if (!state) index++;
    }
    return { entries, next: undefined };
  }

}

function toSetting(row: cassandra.types.Row): Setting {
  return { name: row.get('name'), value: row.get('value'), version: Number(row.get('version')), updatedBy: row.get('updated_by'), updatedAtMs: (row.get('updated_at') as Date).getTime() };
}

function toEntry(row: cassandra.types.Row): AuditEntry {
  return {
    atMs: (row.get('at') as cassandra.types.TimeUuid).getDate().getTime(),
    who: row.get('who'),
    name: row.get('name'),
    subject: row.get('subject'),
    oldHash: row.get('old_hash'),
    newHash: row.get('new_hash'),
    before: row.get('before'),
    after: row.get('after'),
  };
}

function isPosition(value: unknown): value is { month: string; state?: string } {
  if (typeof value !== 'object' || value === null) return false;
  const { month, state } = value as Record<string, unknown>;
  return typeof month === 'string' && /^\d{4}-\d{2}$/.test(month) && (state === undefined || (typeof state === 'string' && /^[0-9a-f]{1,2048}$/.test(state)));
}
