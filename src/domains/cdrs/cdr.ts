/**
 * A call detail record: one per ended call, written by the calls domain when a call ends and
 * read by the CDR routes. It lives in the day partition of its call's creation (the call sid
 * carries that time), so a CDR is found by call sid without an index and listed by date range.
 */
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
