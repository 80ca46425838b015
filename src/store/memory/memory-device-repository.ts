/**
 * Devices in memory, for `npm start` without Cassandra. Sids sort by creation time, so a listing
 * is in sid order and a page's position is the last sid it gave.
 */
import type { Device, DevicePage, DeviceRepository } from '../../domains/devices/device.js';

export class MemoryDeviceRepository implements DeviceRepository {
  /** account -> device sid -> device. */
  private readonly devices = new Map<string, Map<string, Device>>();

  async create(device: Device): Promise<void> {
    let ofAccount = this.devices.get(device.accountSid);
    if (!ofAccount) this.devices.set(device.accountSid, (ofAccount = new Map()));
    ofAccount.set(device.sid, { ...device });
  }

  async get(accountSid: string, sid: string): Promise<Device | undefined> {
    const device = this.devices.get(accountSid)?.get(sid);
    return device && { ...device };
  }

  async list(accountSid: string, pageSize: number, position?: unknown): Promise<DevicePage> {
    const after = typeof position === 'string' ? position : undefined;
    const matches = [...(this.devices.get(accountSid)?.values() ?? [])]
      .filter((d) => after === undefined || d.sid > after)
      .sort((a, b) => (a.sid < b.sid ? -1 : 1));
    const items = matches.slice(0, pageSize).map((d) => ({ ...d }));
    return { items, next: matches.length > pageSize ? items[items.length - 1]!.sid : undefined };
  }

  async delete(accountSid: string, sid: string): Promise<void> {
    this.devices.get(accountSid)?.delete(sid);
  }
}
