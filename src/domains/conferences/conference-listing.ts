/**
 * What a listing query asks the repository for, and its page tokens. A listing is by creation
 * date range (startDate/endDate, the last 30 days by default, at most 366 days) or by room name
 * (friendlyName: of any date unless a range is given), optionally by status.
 *
 * A nextPageToken is signed with what it was issued for (the account and the query's filters
 * as the client wrote them) and carries the range resolved for the first page: "the last 30
 * days" is fixed when the listing starts, so later pages neither shift with the clock nor stop
 * matching their token.
 */
import type { PageTokens } from '../shared/page-token.js';
import { resolveDateRange } from '../shared/date-range.js';
import { invalidRequest } from '../../errors.js';
import type { ConferenceFilter } from './conference.js';
import type { ListConferencesQuery } from './conference-schema.js';

/** The largest time a sid can carry: "any date" for a room listing. */
const LATEST_MS = 0xffffffffffff;
const DEFAULT_PAGE_SIZE = 50;

/** A conference listing request, resolved: what to read, from where, and how to sign where it stopped. */
export interface ListingPlan {
  filter: ConferenceFilter;
  pageSize: number;
  /** The repository position of the page to read (undefined: the first page). */
  position: unknown;
  /** Signs the next page's position: call with the repository's `next`. */
  nextToken(next: unknown): string | null;
}

interface TokenPayload {
  range: [number, number];
  at: unknown;
}

export function planConferenceListing(accountId: string, query: ListConferencesQuery, nowMs: number, tokens: PageTokens): ListingPlan {
  const binding = JSON.stringify(['conferences', accountId, query.friendlyName ?? null, query.startDate ?? null, query.endDate ?? null, query.status ?? null]);
  const named = query.friendlyName !== undefined && query.startDate === undefined && query.endDate === undefined;
  // Validated even when a token carries the range, so that a bad date is refused on every page alike.
  const resolved = named ? { fromMs: 0, toMs: LATEST_MS } : resolveDateRange(query, nowMs);
  let range = resolved;
  let position: unknown;
  if (query.pageToken !== undefined) {
    const payload = tokens.decode(binding, query.pageToken);
    if (!isPayload(payload)) throw invalidRequest('query.pageToken', 'query.pageToken is not a token this listing issued');
    range = { fromMs: payload.range[0], toMs: payload.range[1] };
    position = payload.at;
  }
  const filter: ConferenceFilter = {
    ...range,
    ...(query.friendlyName === undefined ? {} : { friendlyName: query.friendlyName }),
    ...(query.status === undefined ? {} : { status: query.status }),
  };
  return {
    filter,
    pageSize: query.pageSize ?? DEFAULT_PAGE_SIZE,
    position,
    nextToken: (next) => (next === undefined ? null : tokens.encode(binding, { range: [range.fromMs, range.toMs], at: next } satisfies TokenPayload)),
  };
}

/** The page size and position of a participant listing (its token is bound to the conference). */
export function planParticipantListing(accountId: string, conferenceSid: string, query: { pageSize?: number; pageToken?: string }, tokens: PageTokens) {
  const binding = JSON.stringify(['participants', accountId, conferenceSid]);
  return {
    pageSize: query.pageSize ?? DEFAULT_PAGE_SIZE,
    position: query.pageToken === undefined ? undefined : tokens.decode(binding, query.pageToken),
    nextToken: (next: unknown) => (next === undefined ? null : tokens.encode(binding, next)),
  };
}

function isPayload(value: unknown): value is TokenPayload {
  if (typeof value !== 'object' || value === null) return false;
  const { range } = value as Record<string, unknown>;
  return Array.isArray(range) && range.length === 2 && range.every((ms) => Number.isSafeInteger(ms) && ms >= 0 && ms <= LATEST_MS) && range[0] <= range[1];
}
