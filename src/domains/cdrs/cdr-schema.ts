/** Queries and answers of the CDR routes: schema and type from one TypeBox source. */
import { Type, type Static } from '@sinclair/typebox';
import { pageTokenParameter } from '../shared/page-token.js';

/** ISO 8601: a date (its whole day) or a date-time with a zone; parseIsoBound reads it. */
const isoBound = (description: string) =>
  Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,3})?)?(Z|[+-]\\d{2}:\\d{2}))?$',
    description: `${description} ISO 8601: a date (2026-11-26) or a date-time with a zone (2026-11-26T10:00:00Z; encode + as %2B).`,
  });

const rangeParams = {
  startDate: Type.Optional(isoBound('Calls created at or after this time; a date starts at 00:00 UTC. Default: endDate minus 30 days.')),
  endDate: Type.Optional(isoBound('Calls created at or before this time; a date includes its whole day (UTC). Default: now. At most 366 days after startDate.')),
};

export const listCdrsQuery = Type.Object(
  {
    callSid: Type.Optional(Type.String({ maxLength: 64, description: 'The CDR of this call only (a one-item list; empty when the call is unknown, not yours or not ended). Not combined with the date range or a pageToken.' })),
    ...rangeParams,
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'CDRs per page, 1-1000 (default 50).' })),
    pageToken: pageTokenParameter(),
  },
  { additionalProperties: false },
);
export type ListCdrsQuery = Static<typeof listCdrsQuery>;

export const cdrExportFormats = ['csv', 'ndjson'] as const;
export type CdrExportFormat = (typeof cdrExportFormats)[number];

export const exportCdrsQuery = Type.Object(
  {
    ...rangeParams,
    // An enum rather than a union of literals, so that a bad value is refused as "must be one of ...".
    format: Type.Optional(Type.Unsafe<CdrExportFormat>({ type: 'string', enum: [...cdrExportFormats], default: 'csv', description: 'csv (default; a header row) or ndjson (one JSON object per line).' })),
  },
  { additionalProperties: false },
);
export type ExportCdrsQuery = Static<typeof exportCdrsQuery>;

export const cdrResource = Type.Object(
  {
    call_sid: Type.String({ pattern: '^CA[0-9a-f]{32}$' }),
    account_id: Type.String({ pattern: '^AC[0-9a-f]{32}$' }),
    from: Type.String({ description: 'E.164' }),
    to: Type.String({ description: 'E.164' }),
    direction: Type.Literal('outbound-api'),
    start_time: Type.String({ description: 'RFC 2822' }),
    end_time: Type.String({ description: 'RFC 2822' }),
    duration: Type.Integer({ minimum: 0, description: 'Seconds.' }),
    price: Type.String({ description: 'Decimal string, negative for a charge ("-0.03000").' }),
    price_unit: Type.String(),
    status: Type.Literal('completed'),
  },
  { additionalProperties: false },
);
export type CdrResource = Static<typeof cdrResource>;

/** The fields of a CDR in the order the CSV export writes them (its header row). */
export const cdrColumns = Object.keys(cdrResource.properties) as Array<keyof CdrResource>;

export const cdrList = Type.Object(
  {
    cdrs: Type.Array(cdrResource, { description: 'Newest first.' }),
    nextPageToken: Type.Union([Type.String(), Type.Null()], { description: 'Pass as pageToken (with the same filters) for the next page; null on the last page. The last page may be empty.' }),
  },
  { additionalProperties: false },
);
export type CdrList = Static<typeof cdrList>;
