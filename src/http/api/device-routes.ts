/**
 * Devices of an account. An unknown or foreign device sid (404) and a page token of another
 * listing (400) are refused in the precheck, before the throttle, so they are not counted.
 */
import { createDeviceBody, deviceList, deviceResource, deviceSidPattern, listDevicesQuery } from '../../domains/devices/device-schema.js';
import type { Devices } from '../../domains/devices/devices.js';
import { defineRoute, json, type ApiRoute } from '../api-route.js';
import { accountIdParam } from './account-routes.js';

const BASE = '/v1/accounts/:accountId/devices';
const sidParams = { accountId: accountIdParam, deviceId: { type: 'string', pattern: deviceSidPattern } };
const common = { tag: 'devices', auth: 'account', throttled: true } as const;

export function deviceRoutes(devices: Devices): ApiRoute[] {
  return [
    defineRoute({
      ...common,
      operationId: 'createDevice',
      method: 'POST',
      path: BASE,
      summary: 'Create a device of the account',
      body: createDeviceBody,
      bodyExamples: { phone: { summary: 'A desk phone registering as user_7h3k2', value: { name: 'Reception desk', sipUsername: 'user_7h3k2' } } },
      params: { accountId: accountIdParam },
      responses: { 201: { description: 'Created.', schema: deviceResource } },
      handle: async ({ caller, body }) => json(201, await devices.create(caller!.accountId, body)),
    }),
    defineRoute({
      ...common,
      operationId: 'listDevices',
      method: 'GET',
      path: BASE,
      summary: 'Devices of the account, oldest first, paged',
      description: 'Pages follow `nextPageToken`, passed back as `pageToken`.',
      query: listDevicesQuery,
      params: { accountId: accountIdParam },
      responses: { 200: { description: 'A page of devices.', schema: deviceList } },
      precheck: async ({ caller, query }) => devices.checkList(caller!.accountId, query),
      handle: async ({ caller, query }) => json(200, await devices.list(caller!.accountId, query)),
    }),
    defineRoute({
      ...common,
      operationId: 'getDevice',
      method: 'GET',
      path: `${BASE}/:deviceId`,
      summary: 'A device',
      params: sidParams,
      responses: { 200: { description: 'The device.', schema: deviceResource } },
      precheck: async ({ caller, params }) => void (await devices.require(caller!.accountId, params.deviceId!)),
      handle: async ({ caller, params }) => json(200, await devices.get(caller!.accountId, params.deviceId!)),
    }),
    defineRoute({
      ...common,
      operationId: 'deleteDevice',
      method: 'DELETE',
      path: `${BASE}/:deviceId`,
      summary: 'Delete a device and its rate-limit document',
      params: sidParams,
      responses: { 204: { description: 'Deleted, with its rate-limit document.' } },
      precheck: async ({ caller, params }) => void (await devices.require(caller!.accountId, params.deviceId!)),
      handle: async ({ caller, params }) => {
        await devices.delete(caller!.accountId, params.deviceId!);
        return { status: 204, body: undefined };
      },
    }),
  ];
}
