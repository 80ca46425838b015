/**
 * The CDR service: the listing (by call sid, or by date range newest first, paged with a signed
 * token) and the bulk export (oldest first, streamed). Framework-free; the routes in
 * http/api/cdr-routes.ts call it with validated queries.
 */
import type { Readable } from 'node:stream';
import type { Clock } from '../../clock.js';
import { invalidRequest } from '../../errors.js';
import type { PageTokens } from '../shared/page-token.js';
import { isSid } from '../shared/sids.js';
import { rfc2822 } from '../shared/time-format.js';
import type { Cdr, CdrRepository, TimeRange } from './cdr.js';
import { encodeCdrs, exportContentTypes, startReading } from './cdr-export.js';
import { compactUtc, resolveDateRange } from '../shared/date-range.js';
import type { CdrList, CdrResource, ExportCdrsQuery, ListCdrsQuery } from './cdr-schema.js';

export interface CdrsDeps {
  repository: CdrRepository;
  pageTokens: PageTokens;
  clock: Clock;
}

/** A started export: the body and how to present it. */
export interface CdrExport {
  stream: Readable;
  contentType: string;
  /** cdrs-<account>-<start>-<end>.<csv|ndjson>, for Content-Disposition. */
  filename: string;
}

export interface Cdrs {
  /** Refuses (400, naming the field) a listing query that cannot be answered; reads nothing. */
  checkList(accountId: string, query: ListCdrsQuery): void;
  list(accountId: string, query: ListCdrsQuery): Promise<CdrList>;
  /** Refuses (400, naming the field) an export query that cannot be answered; reads nothing. */
  checkExport(query: ExportCdrsQuery): void;
  /** Reads the first rows before answering, so a store that is down is a 503, not a cut export. */
  export(accountId: string, query: ExportCdrsQuery): Promise<CdrExport>;
}

export const DEFAULT_PAGE_SIZE = 50;

/** What a page token holds: the range of the first page (a default range would move with the clock) and where the next page starts. */
interface TokenBody {
  r: [number, number];
  p: unknown;
}

export function cdrResourceOf(cdr: Cdr): CdrResource {
  return {
    call_sid: cdr.callSid,
    account_id: cdr.accountId,
    from: cdr.from,
    to: cdr.to,
    direction: cdr.direction,
    start_time: rfc2822(cdr.startTimeMs)!,
    end_time: rfc2822(cdr.endTimeMs)!,
    duration: cdr.durationSeconds,
    price: cdr.price,
    price_unit: cdr.priceUnit,
    status: cdr.status,
  };
}

export function createCdrs(deps: CdrsDeps): Cdrs {
  const { repository, pageTokens, clock } = deps;
  // A token is good only for the account and the filters it was issued with.
  const bindingOf = (accountId: string, query: ListCdrsQuery) => `cdrs\u0000${accountId}\u0000${query.startDate ?? ''}\u0000${query.endDate ?? ''}`;

  /** The range and position of a range listing; throws 400 for bad dates or a bad token. */
  function rangePlan(accountId: string, query: ListCdrsQuery): { range: TimeRange; position: unknown } {
    const range = resolveDateRange(query, clock());
    if (query.pageToken === undefined) return { range, position: undefined };
    const body = pageTokens.decode(bindingOf(accountId, query), query.pageToken) as TokenBody;
    return { range: { fromMs: body.r[0], toMs: body.r[1] }, position: body.p };
  }

  function checkList(accountId: string, query: ListCdrsQuery): void {
    if (query.callSid === undefined) {
      rangePlan(accountId, query);
      return;
    }
    const other = (['startDate', 'endDate', 'pageToken'] as const).find((name) => query[name] !== undefined);
    if (other) throw invalidRequest(`query.${other}`, `query.callSid names one CDR; it is not combined with query.${other}`);
  }

  return {
    checkList,
    async list(accountId, query) {
      checkList(accountId, query);
      if (query.callSid !== undefined) {
        // A filter that matches nothing is an empty list, whether the sid is unknown, another
        // account's, malformed, or of a call that has not ended yet.
        const cdr = isSid('CA', query.callSid) ? await repository.get(accountId, query.callSid) : undefined;
        return { cdrs: cdr ? [cdrResourceOf(cdr)] : [], nextPageToken: null };
      }
      const { range, position } = rangePlan(accountId, query);
      const page = await repository.list(accountId, range, query.pageSize ?? DEFAULT_PAGE_SIZE, position);
      const next = page.next === undefined ? null : pageTokens.encode(bindingOf(accountId, query), { r: [range.fromMs, range.toMs], p: page.next } satisfies TokenBody);
      return { cdrs: page.cdrs.map(cdrResourceOf), nextPageToken: next };
    },
    checkExport(query) {
      resolveDateRange(query, clock());
    },
    async export(accountId, query) {
      const range = resolveDateRange(query, clock());
      const format = query.format ?? 'csv';
      const rows = await startReading(repository.stream(accountId, range), cdrResourceOf);
      return {
        stream: encodeCdrs(rows, format),
        contentType: exportContentTypes[format],
        filename: `cdrs-${accountId}-${compactUtc(range.fromMs)}-${compactUtc(range.toMs)}.${format}`,
      };
    },
  };
}
