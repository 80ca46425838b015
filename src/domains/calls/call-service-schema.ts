/** Bodies, queries and answers of the call service routes (recordings, transcriptions). */
import { Type, type Static } from '@sinclair/typebox';
import { stringEnum } from './call-schema.js';
import { pageTokenParameter } from '../shared/page-token.js';

export const recordingSidPattern = '^RE[0-9a-f]{32}$';
export const transcriptionSidPattern = '^TR[0-9a-f]{32}$';

/** Starting a service takes no parameters; an empty object (or no body) is the only body. */
export const startServiceBody = Type.Object({}, { additionalProperties: false });

export const stopServiceBody = Type.Object(
  { status: stringEnum(['stopped'] as const, { description: 'stopped: stops it. Stopping a stopped one changes nothing.' }) },
  { additionalProperties: false },
);
export type StopServiceBody = Static<typeof stopServiceBody>;

export const listServicesQuery = Type.Object(
  {
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'Items per page, 1-1000 (default 50).' })),
    pageToken: pageTokenParameter(),
  },
  { additionalProperties: false },
);
export type ListServicesQuery = Static<typeof listServicesQuery>;

export const serviceResource = (sidPattern: string) =>
  Type.Object(
    {
      sid: Type.String({ pattern: sidPattern }),
      account_id: Type.String({ pattern: '^AC[0-9a-f]{32}$' }),
      call_sid: Type.String({ pattern: '^CA[0-9a-f]{32}$' }),
      status: stringEnum(['in-progress', 'stopped'] as const, { description: 'stopped once stopped, or once its call has ended.' }),
      date_created: Type.String({ description: 'RFC 2822' }),
      date_updated: Type.String({ description: 'RFC 2822' }),
      uri: Type.String(),
    },
    { additionalProperties: false },
  );
export type ServiceResource = Static<ReturnType<typeof serviceResource>>;

export const serviceList = (key: 'recordings' | 'transcriptions', sidPattern: string) =>
  Type.Object(
    {
      [key]: Type.Array(serviceResource(sidPattern), { description: 'Newest first.' }),
      nextPageToken: Type.Union([Type.String(), Type.Null()], { description: 'Pass as pageToken for the next page; null on the last page.' }),
    },
    { additionalProperties: false },
  );
