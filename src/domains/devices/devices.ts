/**
 * Devices: create, read, list and delete the devices of an account. Framework-free: the HTTP
 * layer validates bodies and queries against device-schema.ts, authenticates, and calls these
 * functions with the caller's account.
 *
 * Deleting a device deletes its rate-limit document first (through `forgetRateLimits`, which
 * compose.ts points at the rate-limits service so that its cache forgets the document too), then
 * the device: if the first step fails the device is still there and the delete can be retried,
 * whereas the other order could leave a document nobody can reach.
 */
import type { Clock } from '../../clock.js';
import { notFound } from '../../errors.js';
import type { PageTokens } from '../shared/page-token.js';
import { isSid, newSid } from '../shared/sids.js';
import { rfc2822 } from '../shared/time-format.js';
import type { Device, DeviceRepository } from './device.js';
import type { CreateDeviceBody, DeviceList, DeviceResource, ListDevicesQuery } from './device-schema.js';

const DEFAULT_PAGE_SIZE = 50;

/** What createDevices is given by compose.ts. */
export interface DevicesDeps {
  repository: DeviceRepository;
  clock: Clock;
  pageTokens: PageTokens;
  /** Deletes the device's rate-limit document (called before the device itself is deleted). */
  forgetRateLimits?: (accountSid: string, deviceSid: string) => Promise<void>;
}

/** The device service the routes call; every method is scoped to the caller's account. */
export interface Devices {
  create(accountSid: string, body: CreateDeviceBody): Promise<DeviceResource>;
  /** 404 NOT_FOUND for an unknown, malformed or foreign sid. */
  get(accountSid: string, sid: string): Promise<DeviceResource>;
  /** Throws 404 NOT_FOUND unless the account has this device (the rate-limit routes' precheck). */
  require(accountSid: string, sid: string): Promise<Device>;
  /** Refuses a page token this listing did not issue (400), before the throttle. */
  checkList(accountSid: string, query: ListDevicesQuery): void;
  list(accountSid: string, query: ListDevicesQuery): Promise<DeviceList>;
  /** Deletes the device and its rate-limit document; 404 NOT_FOUND if the account has no such device. */
  delete(accountSid: string, sid: string): Promise<void>;
}

export const deviceUri = (accountSid: string, sid: string) => `/v1/accounts/${accountSid}/devices/${sid}`;

export function deviceResource(device: Device): DeviceResource {
  const uri = deviceUri(device.accountSid, device.sid);
  return {
    sid: device.sid,
    accountSid: device.accountSid,
    name: device.name,
    sipUsername: device.sipUsername ?? null,
    dateCreated: rfc2822(device.createdAtMs)!,
    uri,
    rateLimitsUri: `${uri}/rate_limits`,
  };
}

export function createDevices(deps: DevicesDeps): Devices {
  const { repository, clock, pageTokens } = deps;

  async function require(accountSid: string, sid: string): Promise<Device> {
    const device = isSid('DV', sid) ? await repository.get(accountSid, sid) : undefined;
    if (!device) throw notFound('Device');
    return device;
  }

  /** The page position a query asks for; the token is bound to the account's device listing (decode refuses any other with 400). */
  function plan(accountSid: string, query: ListDevicesQuery) {
    const binding = JSON.stringify(['devices', accountSid]);
    const position = query.pageToken === undefined ? undefined : pageTokens.decode(binding, query.pageToken);
    return {
      pageSize: query.pageSize ?? DEFAULT_PAGE_SIZE,
      position,
      nextToken: (next: unknown) => (next === undefined ? null : pageTokens.encode(binding, next)),
    };
  }

  return {
    async create(accountSid, body) {
      const now = clock();
      const device: Device = {
        sid: newSid('DV', now),
        accountSid,
        name: body.name,
        ...(body.sipUsername === undefined ? {} : { sipUsername: body.sipUsername }),
        createdAtMs: now,
      };
      await repository.create(device);
      return deviceResource(device);
    },
    get: async (accountSid, sid) => deviceResource(await require(accountSid, sid)),
    require,
    checkList(accountSid, query) {
      plan(accountSid, query);
    },
    async list(accountSid, query) {
      const { pageSize, position, nextToken } = plan(accountSid, query);
      const page = await repository.list(accountSid, pageSize, position);
      return { devices: page.items.map(deviceResource), nextPageToken: nextToken(page.next) };
    },
    async delete(accountSid, sid) {
      await require(accountSid, sid);
      await deps.forgetRateLimits?.(accountSid, sid);
      await repository.delete(accountSid, sid);
    },
  };
}
