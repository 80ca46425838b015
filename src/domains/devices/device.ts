/**
 * A device (a SIP phone or trunk endpoint) as the devices domain keeps it, and the repository the
 * domain needs. A device belongs to one account and is only ever found under it: another
 * account's device is unknown, never forbidden, so that sids of other accounts leak nothing.
 * A device may carry its own rate-limit document (domains/rate-limits), which goes with it.
 */

export interface Device {
  /** DV + UUIDv7 hex: sorts by creation time. */
  sid: string;
  accountSid: string;
  name: string;
  /** The user part of the device's SIP registrations, when it has one. Not unique. */
  sipUsername?: string;
  /** When it was created (the service's clock). */
  createdAtMs: number;
}

/**
 * One page of a listing and where the next one starts (undefined: that was the last). A page
 * may hold fewer than the page size before the last one (Cassandra's paging state does not know
 * whether rows follow).
 */
export interface DevicePage {
  items: Device[];
  /** Opaque, JSON-serialisable; the service signs it into a nextPageToken. */
  next: unknown;
}

/** Where devices are kept: store/memory and store/cassandra (test/contract/device-repository.contract.ts). */
export interface DeviceRepository {
  create(device: Device): Promise<void>;
  /** undefined for an unknown sid or another account's. */
  get(accountSid: string, sid: string): Promise<Device | undefined>;
  /** In creation order (oldest first), at most `pageSize`; `position` is a previous page's `next`. */
  list(accountSid: string, pageSize: number, position?: unknown): Promise<DevicePage>;
  /** Removes the device if the account has it; removing an absent one changes nothing. */
  delete(accountSid: string, sid: string): Promise<void>;
}
