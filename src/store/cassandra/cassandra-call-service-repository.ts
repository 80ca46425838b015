/**
 * Recordings and transcriptions in Cassandra (cql/008_voice_calls.cql), in their call's
 * partition, one clustering range per kind, newest first. A listing pages with Cassandra's
 * paging state. Plain writes: a service has no race to settle (two stops write the same status).
 */
import type cassandra from 'cassandra-driver';
import type { CallService, CallServicePage, CallServiceRepository, ServiceKind } from '../../domains/calls/call-service.js';
import type { CassandraDomainOptions } from './cassandra-domain-options.js';
import { queryRunner, type RunQuery } from './query-runner.js';

const COLUMNS = 'account_id, call_sid, kind, sid, status, created_at, updated_at';

export class CassandraCallServiceRepository implements CallServiceRepository {
  private readonly insert: string;
  private readonly selectOne: string;
  private readonly selectKind: string;
  private readonly updateStatus: string;

  private readonly run: RunQuery;

  constructor(private readonly client: cassandra.Client, private readonly options: CassandraDomainOptions) {
    this.run = queryRunner(client, options, 'Call services');
    const table = `${options.keyspace}.call_services`;
    this.insert = `INSERT INTO ${table} (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`;
    this.selectKind = `SELECT ${COLUMNS} FROM ${table} WHERE account_id = ? AND call_sid = ? AND kind = ?`;
    this.selectOne = `${this.selectKind} AND sid = ?`;
    this.updateStatus = `UPDATE ${table} SET status = ?, updated_at = ? WHERE account_id = ? AND call_sid = ? AND kind = ? AND sid = ?`;
  }

  async create(service: CallService): Promise<void> {
    const { accountId, callSid, kind, sid, status, createdAtMs, updatedAtMs } = service;
    await this.run(this.insert, [accountId, callSid, kind, sid, status, new Date(createdAtMs), new Date(updatedAtMs)]);
  }

  async get(accountId: string, callSid: string, kind: ServiceKind, sid: string): Promise<CallService | undefined> {
    const row = (await this.run(this.selectOne, [accountId, callSid, kind, sid])).first();
    return row ? toService(row) : undefined;
  }

  async list(accountId: string, callSid: string, kind: ServiceKind, pageSize: number, position?: unknown): Promise<CallServicePage> {
    const pageState = typeof position === 'string' && /^[0-9a-f]{1,4096}$/.test(position) ? position : undefined;
    const result = await this.run(this.selectKind, [accountId, callSid, kind], { fetchSize: pageSize, ...(pageState ? { pageState } : {}) });
    return { services: result.rows.map(toService), next: result.pageState ?? undefined };
  }

  async update(service: CallService): Promise<void> {
    const { accountId, callSid, kind, sid, status, updatedAtMs } = service;
    await this.run(this.updateStatus, [status, new Date(updatedAtMs), accountId, callSid, kind, sid]);
  }

}

function toService(row: cassandra.types.Row): CallService {
  return {
    sid: row.get('sid'),
    kind: row.get('kind'),
    accountId: row.get('account_id'),
    callSid: row.get('call_sid'),
    status: row.get('status'),
    createdAtMs: (row.get('created_at') as Date).getTime(),
    updatedAtMs: (row.get('updated_at') as Date).getTime(),
  };
}
