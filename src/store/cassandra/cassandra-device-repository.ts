/**
 * Devices in Cassandra (cql/016_devices_rate_limits.cql): one partition per account, a row per
 * device in sid (creation) order, listed a page at a time with Cassandra's paging state. Devices
 * never change after creation, so plain writes suffice: no compare-and-set.
 */
import type cassandra from 'cassandra-driver';
import type { Device, DevicePage, DeviceRepository } from '../../domains/devices/device.js';
import type { CassandraDomainOptions } from './cassandra-domain-options.js';
import { queryRunner, type RunQuery } from './query-runner.js';

const COLUMNS = 'device_sid, name, sip_username, created_at';

export class CassandraDeviceRepository implements DeviceRepository {
  private readonly q: Record<'insert' | 'get' | 'list' | 'delete', string>;

  private readonly run: RunQuery;

  constructor(client: cassandra.Client, options: CassandraDomainOptions) {
    this.run = queryRunner(client, options, 'Devices');
    const ks = options.keyspace;
    this.q = {
      insert: `INSERT INTO ${ks}.devices (account_id, ${COLUMNS}) VALUES (?, ?, ?, ?, ?)`,
      get: `SELECT ${COLUMNS} FROM ${ks}.devices WHERE account_id = ? AND device_sid = ?`,
      list: `SELECT ${COLUMNS} FROM ${ks}.devices WHERE account_id = ?`,
      delete: `DELETE FROM ${ks}.devices WHERE account_id = ? AND device_sid = ?`,
    };
  }

  async create(d: Device): Promise<void> {
    await this.run(this.q.insert, [d.accountSid, d.sid, d.name, d.sipUsername ?? null, new Date(d.createdAtMs)]);
  }

  async get(accountSid: string, sid: string): Promise<Device | undefined> {
    const row = (await this.run(this.q.get, [accountSid, sid])).first();
    return row ? toDevice(accountSid, row) : undefined;
  }

  async list(accountSid: string, pageSize: number, position?: unknown): Promise<DevicePage> {
    // The paging state is the driver's hex string; anything else is the first page.
    const pageState = typeof position === 'string' && /^[0-9a-f]{1,2048}$/.test(position) ? position : undefined;
    const result = await this.run(this.q.list, [accountSid], { fetchSize: pageSize, ...(pageState ? { pageState } : {}) });
    return { items: result.rows.map((row) => toDevice(accountSid, row)), next: result.pageState ?? undefined };
  }

  async delete(accountSid: string, sid: string): Promise<void> {
    await this.run(this.q.delete, [accountSid, sid]);
  }
}

function toDevice(accountSid: string, row: cassandra.types.Row): Device {
  const sipUsername = row.get('sip_username') as string | null;
  return {
    sid: row.get('device_sid'),
    accountSid,
    name: row.get('name'),
    ...(sipUsername === null ? {} : { sipUsername }),
    createdAtMs: (row.get('created_at') as Date).getTime(),
  };
}
