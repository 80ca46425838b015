/** Bodies, queries and answers of the device routes: schema and type from one TypeBox source. */
import { Type, type Static } from '@sinclair/typebox';
import { pageTokenParameter } from '../shared/page-token.js';

export const deviceSidPattern = '^DV[0-9a-f]{32}$';

export const createDeviceBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128, description: 'A name for people; not unique.' }),
    sipUsername: Type.Optional(
      // RFC 3261's user characters without escapes: what a registration's user part holds in practice.
      Type.String({ pattern: "^[A-Za-z0-9_.!~*'()&=+$,;?/-]+$", minLength: 1, maxLength: 64, description: 'The user part of the device\'s SIP registrations; not checked for uniqueness.' }),
    ),
  },
  { additionalProperties: false },
);
export type CreateDeviceBody = Static<typeof createDeviceBody>;

export const listDevicesQuery = Type.Object(
  {
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'Items per page, 1-1000 (default 50).' })),
    pageToken: pageTokenParameter(),
  },
  { additionalProperties: false },
);
export type ListDevicesQuery = Static<typeof listDevicesQuery>;

export const deviceResource = Type.Object(
  {
    sid: Type.String({ pattern: deviceSidPattern }),
    accountSid: Type.String({ pattern: '^AC[0-9a-f]{32}$' }),
    name: Type.String(),
    sipUsername: Type.Union([Type.String(), Type.Null()]),
    dateCreated: Type.String({ description: 'RFC 2822' }),
    uri: Type.String(),
    rateLimitsUri: Type.String({ description: 'The device\'s rate-limit document (GET, POST, DELETE).' }),
  },
  { additionalProperties: false },
);
export type DeviceResource = Static<typeof deviceResource>;

export const deviceList = Type.Object(
  {
    devices: Type.Array(deviceResource, { description: 'In creation order, oldest first.' }),
    nextPageToken: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as pageToken for the next page; null on the last page. A page may hold fewer items than pageSize before the last.',
    }),
  },
  { additionalProperties: false },
);
export type DeviceList = Static<typeof deviceList>;
