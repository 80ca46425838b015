/**
 * A call detail record: one per ended call, written by the calls domain when a call ends and
 * read by the CDR routes. It lives in the day partition of its call's creation (the call sid
 * carries that time), so a CDR is found by call sid without an index and listed by date range.
 */
import type { TimeRange } from '../shared/date-range.js';

export interface Cdr {
  callSid: string;
  accountId: string;
  /** E.164. */
  from: string;
  /** E.164. */
  to: string;
  direction: 'outbound-api';
  startTimeMs: number;
  endTimeMs: number;
  durationSeconds: number;
  /** Decimal string, negative for a charge ("-0.03000"). */
  price: string;
  priceUnit: string;
  status: 'completed';
}

/**
 * What the calls domain needs of the CDR store. `record` is an upsert keyed by (account, call
 * sid): writing the same ended call twice leaves one row, which is how "exactly once" holds when
 * two instances end a call at the same moment, or a retry repeats an end.
 */
export interface CdrWriter {
  record(cdr: Cdr): Promise<void>;
}

/** CDR ranges are of call creation (= start) times. */
export type { TimeRange };

/** One page of a listing and where the next one starts (undefined: that was the last). */
export interface CdrPage {
  cdrs: Cdr[];
  /** Opaque, JSON-serialisable; the HTTP layer signs it into a nextPageToken. */
  next: unknown;
}

/** Where CDRs are kept: store/memory and store/cassandra implement it (test/contract/cdr-repository.contract.ts). */
export interface CdrRepository extends CdrWriter {
  get(accountId: string, callSid: string): Promise<Cdr | undefined>;
  /** Newest first, at most `pageSize`; `position` is a previous page's `next`. */
  list(accountId: string, range: TimeRange, pageSize: number, position?: unknown): Promise<CdrPage>;
  /**
   * Every CDR of the range, oldest first, read page by page as the consumer pulls: memory use
   * does not grow with the range, and a consumer that stops pulling stops the reads.
   */
  stream(accountId: string, range: TimeRange): AsyncIterable<Cdr>;
}
