/**
 * The time range a listing or export names (calls, conferences, CDRs): startDate and endDate (ISO 8601 dates or
 * date-times, both inclusive), defaulting to the last 30 days. A range is at most 366 days: a
 * longer one is a read of more than a year of day partitions in one request, which no client
 * needs at once (it can ask year by year) and which an abusive one would use to load the store.
 */
import { invalidRequest } from '../../errors.js';
import { parseIsoBound } from './time-format.js';

/** A time range in ms, both ends inclusive. */
export interface TimeRange {
  fromMs: number;
  toMs: number;
}

const DAY_MS = 86_400_000;
/** The range when the query names neither bound: the last 30 days. */
export const DEFAULT_RANGE_DAYS = 30;
/** The longest range a request may name (a leap year and its boundary days fit). */
export const MAX_RANGE_DAYS = 366;

export interface RangeQuery {
  startDate?: string | undefined;
  endDate?: string | undefined;
}

/**
 * The range in ms, both ends inclusive. An absent endDate is now; an absent startDate is 30
 * days before the end. Refusals name the field the caller gave (endDate when both are given).
 */
export function resolveDateRange(query: RangeQuery, nowMs: number): TimeRange {
  const startMs = parseBound(query, 'startDate');
  const endMs = parseBound(query, 'endDate');
  const toMs = endMs ?? nowMs;
  const fromMs = startMs ?? toMs - DEFAULT_RANGE_DAYS * DAY_MS;
  const blamed = query.endDate !== undefined ? 'query.endDate' : 'query.startDate';
  if (toMs < fromMs) {
    throw invalidRequest(blamed, query.endDate !== undefined ? 'query.endDate is before query.startDate' : 'query.startDate is in the future (the range ends now when endDate is not given)');
  }
  if (toMs - fromMs + 1 > MAX_RANGE_DAYS * DAY_MS) {
    throw invalidRequest(blamed, `the range from startDate to endDate is longer than ${MAX_RANGE_DAYS} days; ask for it in parts`);
  }
  return { fromMs, toMs };
}

function parseBound(query: RangeQuery, name: 'startDate' | 'endDate'): number | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  const ms = parseIsoBound(value, name === 'startDate' ? 'start' : 'end');
  if (ms === undefined) throw invalidRequest(`query.${name}`, `query.${name} is not an ISO 8601 date (2026-11-26) or date-time with a zone (2026-11-26T10:00:00Z)`);
  return ms;
}

/** A bound as it appears in a file name: 20261126T000000Z. */
export function compactUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}/, '').replace(/[-:]/g, '');
}
