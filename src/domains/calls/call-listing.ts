/**
 * The call listing: filters (status, from, to, a creation date range) and signed page tokens.
 * A nextPageToken is bound to the account and the filters as the client wrote them, and
 * carries the range resolved for the first page ("the last 30 days" is fixed when the listing
 * starts, so later pages neither shift with the clock nor stop matching their token).
 */
import type { Clock } from '../../clock.js';
import { invalidRequest } from '../../errors.js';
import { toE164 } from '../../keys/phone.js';
import { resolveDateRange } from '../shared/date-range.js';
import type { PageTokens } from '../shared/page-token.js';
import type { CallFilter, CallRepository } from './call.js';
import { callResourceOf } from './call-resource.js';
import type { CallList, ListCallsQuery } from './call-schema.js';

export interface CallListingDeps {
  repository: CallRepository;
  clock: Clock;
  pageTokens: PageTokens;
  defaultPhoneRegion: string;
}

export interface CallListing {
  /** Refuses (400, naming the field) a query that cannot be answered; reads nothing. */
  check(accountId: string, query: ListCallsQuery): void;
  list(accountId: string, query: ListCallsQuery): Promise<CallList>;
}

const DEFAULT_PAGE_SIZE = 50;

interface TokenBody {
  range: [number, number];
  at: unknown;
}

export function createCallListing(deps: CallListingDeps): CallListing {
  const { pageTokens } = deps;

  function number(field: 'from' | 'to', raw: string | undefined): string | undefined {
    if (raw === undefined) return undefined;
    const normalized = toE164(raw, deps.defaultPhoneRegion);
    if (!normalized.ok) throw invalidRequest(`query.${field}`, `query.${field} ${normalized.reason}`);
    return normalized.value;
  }

  function plan(accountId: string, query: ListCallsQuery): { filter: CallFilter; position: unknown; binding: string } {
    const binding = JSON.stringify(['calls', accountId, query.status ?? null, query.from ?? null, query.to ?? null, query.startDate ?? null, query.endDate ?? null]);
    // Checked on every page alike, even when the token carries the range.
    let range = resolveDateRange(query, deps.clock());
    let position: unknown;
    if (query.pageToken !== undefined) {
      const body = pageTokens.decode(binding, query.pageToken);
      if (!isTokenBody(body)) throw invalidRequest('query.pageToken', 'query.pageToken is not a token this listing issued');
      range = { fromMs: body.range[0], toMs: body.range[1] };
      position = body.at;
    }
    const from = number('from', query.from);
    const to = number('to', query.to);
    const filter: CallFilter = { ...range, ...(query.status ? { status: query.status } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}) };
    return { filter, position, binding };
  }

  return {
    check(accountId, query) {
      plan(accountId, query);
    },
    async list(accountId, query) {
      const { filter, position, binding } = plan(accountId, query);
      const page = await deps.repository.list(accountId, filter, query.pageSize ?? DEFAULT_PAGE_SIZE, position);
      const next = page.next === undefined ? null : pageTokens.encode(binding, { range: [filter.fromMs, filter.toMs], at: page.next } satisfies TokenBody);
      return { calls: page.calls.map(callResourceOf), nextPageToken: next };
    },
  };
}

function isTokenBody(value: unknown): value is TokenBody {
  if (typeof value !== 'object' || value === null) return false;
  const { range } = value as Record<string, unknown>;
  return Array.isArray(range) && range.length === 2 && range.every((ms) => Number.isSafeInteger(ms) && ms >= 0) && range[0] <= range[1];
}
