/**
 * Call detail records: the listing (by call sid or date range, paged) and the streamed bulk
 * export. Bad dates, ranges and page tokens are refused in the precheck, before the throttle, so
 * that a rejected request is not counted against the account's CDR rules.
 */
import { cdrList, exportCdrsQuery, listCdrsQuery } from '../../domains/cdrs/cdr-schema.js';
import type { Cdrs } from '../../domains/cdrs/cdrs.js';
import { defineRoute, json, type ApiRoute } from '../api-route.js';
import { accountIdParam } from './account-routes.js';

const exportBody = { schema: { type: 'string', description: 'The CDRs of the range, oldest first: CSV with a header row, or one JSON object per line (the fields of a listing\'s CDR).' } };

export function cdrRoutes(cdrs: Cdrs): ApiRoute[] {
  return [
    defineRoute({
      operationId: 'listCdrs',
      method: 'GET',
      path: '/v1/accounts/:accountId/cdrs',
      tag: 'cdrs',
      summary: 'Call detail records of the account: by callSid, or by date range newest first, paged',
      description:
        'Either `callSid` (a one-item list, or empty when there is no CDR of that call for this account) or a range of call creation times ' +
        '(`startDate`/`endDate`, default the last 30 days, at most 366 days). Pages follow `nextPageToken`, passed back as `pageToken` with the same filters.',
      auth: 'account',
      throttled: true,
      query: listCdrsQuery,
      params: { accountId: accountIdParam },
      responses: { 200: { description: 'A page of CDRs, newest first.', schema: cdrList } },
      precheck: async ({ caller, query }) => cdrs.checkList(caller!.accountId, query),
      handle: async ({ caller, query }) => json(200, await cdrs.list(caller!.accountId, query)),
    }),
    defineRoute({
      operationId: 'exportCdrs',
      method: 'GET',
      path: '/v1/accounts/:accountId/cdrs/export',
      tag: 'cdrs',
      summary: 'Every CDR of a date range, oldest first, streamed as CSV or NDJSON',
      description:
        'Streamed in constant memory with backpressure, whatever the range holds: read at your pace. Range as for the listing (default the last 30 days, ' +
        'at most 366). `format` defaults to csv. A failure after the first byte cuts the connection, so a truncated transfer is never a complete-looking file.',
      auth: 'account',
      throttled: true,
      query: exportCdrsQuery,
      params: { accountId: accountIdParam },
      responses: {
        200: {
          description: 'The export, as an attachment named cdrs-<accountId>-<start>-<end>.<csv|ndjson>.',
          content: { 'text/csv; charset=utf-8': exportBody, 'application/x-ndjson; charset=utf-8': exportBody },
          headers: { 'Content-Disposition': { required: true, schema: { type: 'string' } } },
        },
      },
      precheck: async ({ query }) => cdrs.checkExport(query),
      handle: async ({ caller, query }) => {
        const exported = await cdrs.export(caller!.accountId, query);
        return {
          status: 200,
          stream: exported.stream,
          contentType: exported.contentType,
          headers: { 'Content-Disposition': `attachment; filename="${exported.filename}"` },
        };
      },
    }),
  ];
}
