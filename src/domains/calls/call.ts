/**
 * A call as the calls domain keeps it, and the repository the domain needs. There is no media
 * plane: a call's life (initiated -> ringing -> in-progress -> completed) is driven through the
 * API, and the status only ever moves forward. Every move is a compare-and-set on the stored
 * status, so two instances moving or ending the same call at once leave one winner.
 *
 * A call that a rule with onLimit.announceUrl refused is created straight into limit_exceeded
 * (FreeSWITCH's limit_exceeded destination: the caller hears an announcement instead of a busy
 * line). It never connected, and it never moves.
 */

/** The statuses a stored call can have: its lifecycle, then the one it can only be created in. */
export const CALL_STATUSES = ['initiated', 'ringing', 'in-progress', 'completed', 'limit_exceeded'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

/** The only order a connected call's status may follow (limit_exceeded is in none: it is set at creation and kept). */
const LIFECYCLE: readonly CallStatus[] = ['initiated', 'ringing', 'in-progress', 'completed'];

/** The statuses of a call that has not ended. */
export const LIVE_STATUSES: readonly CallStatus[] = ['initiated', 'ringing', 'in-progress'];

/**
 * What the limiters decided for a call being placed. The same shape as http's
 * LimitOutcomeForHandler (the domain does not import from http/), so a route passes it through.
 */
export interface CallLimits {
  /** The carrier a carrier rule chose (FreeSWITCH limit_execute). */
  carrier?: string;
  /** A rule with onLimit.announceUrl refused the call: it is created limit_exceeded with this announcement. */
  exceeded?: { rule: string; announceUrl: string };
}

/** Status callback events a caller may ask for, in lifecycle order. */
export const CALLBACK_EVENTS = ['initiated', 'ringing', 'answered', 'completed'] as const;
export type CallbackEvent = (typeof CALLBACK_EVENTS)[number];

export type CallbackMethod = 'POST' | 'GET';

export interface StatusCallback {
  url: string;
  events: readonly CallbackEvent[];
  method: CallbackMethod;
}

export interface Call {
  sid: string;
  accountId: string;
  /** E.164. */
  from: string;
  /** E.164. */
  to: string;
  status: CallStatus;
  direction: 'outbound-api';
  createdAtMs: number;
  updatedAtMs: number;
  /** = createdAtMs: with no media plane the call is set up when it is created. */
  startTimeMs: number;
  endTimeMs: number | null;
  durationSeconds: number | null;
  /** Decimal string, negative for a charge ("-0.03000"); null until the call ends. */
  price: string | null;
  priceUnit: string;
  statusCallback: StatusCallback | null;
  /**
   * Status callbacks fired so far (the next one's SequenceNumber). Moved with the status in the
   * same compare-and-set, so the numbers have no gaps and no repeats across instances.
   */
  callbackSequence: number;
  /** The carrier a carrier rule chose for the call; null when no carrier rule applied (or the call was refused). */
  carrier: string | null;
  /** limit_exceeded: the announcement played instead of the call; null otherwise. */
  announceUrl: string | null;
  /** limit_exceeded: the id of the rule that refused the call; null otherwise. */
  limitExceededRule: string | null;
}

/** A listing's filters; the range is of creation times, inclusive, in ms. */
export interface CallFilter {
  fromMs: number;
  toMs: number;
  status?: CallStatus;
  /** E.164. */
  from?: string;
  /** E.164. */
  to?: string;
}

/** One page of a listing and where the next one starts (undefined: that was the last). */
export interface CallPage {
  calls: Call[];
  /** Opaque, JSON-serialisable; the service signs it into a nextPageToken. */
  next: unknown;
}

/** The outcome of a compare-and-set: whether it was applied, and the call as stored after it. */
export interface Transition {
  applied: boolean;
  /** undefined when the call does not exist. */
  stored: Call | undefined;
}

/** Where calls are kept: store/memory and store/cassandra implement it (test/contract/call-repository.contract.ts). */
export interface CallRepository {
  create(call: Call): Promise<void>;
  get(accountId: string, sid: string): Promise<Call | undefined>;
  /**
   * Newest first, only calls that match the filter; at most `pageSize`, possibly fewer with a
   * `next` (a store may stop after scanning a bounded number of rows). `position` is a previous
   * page's `next` for the same account and filter.
   */
  list(accountId: string, filter: CallFilter, pageSize: number, position?: unknown): Promise<CallPage>;
  /**
   * Compare-and-set: writes `next` only if the stored call still has `current`'s callback
   * sequence and, for an end (next.status completed), is still live, or for any other move,
   * still has `current`'s status. Of several concurrent transitions from one state exactly one
   * is applied.
   */
  transition(current: Call, next: Call): Promise<Transition>;
}

/** Whether a call passes a listing's filters (the stores apply it while paging). */
export function callMatches(call: Call, filter: CallFilter): boolean {
  return (
    call.createdAtMs >= filter.fromMs &&
    call.createdAtMs <= filter.toMs &&
    (filter.status === undefined || call.status === filter.status) &&
    (filter.from === undefined || call.from === filter.from) &&
    (filter.to === undefined || call.to === filter.to)
  );
}

/** Whether a call's status may move from `from` to `to` (forward only; staying put is no move; never into or out of limit_exceeded). */
export function isForward(from: CallStatus, to: CallStatus): boolean {
  const [a, b] = [LIFECYCLE.indexOf(from), LIFECYCLE.indexOf(to)];
  return a >= 0 && b > a;
}
