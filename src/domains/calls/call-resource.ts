/**
 * How a call is shown: the resource of the call routes (snake_case, dates in RFC 2822, duration
 * as a string as in the design note), its CDR, and the parameters of its status callbacks
 * (Twilio's names, so that existing receivers can read them).
 */
import type { Cdr } from '../cdrs/cdr.js';
import { rfc2822 } from '../shared/time-format.js';
import type { CallbackRequest } from './callback-dispatcher.js';
import type { Call, CallbackEvent, CallStatus } from './call.js';
import type { CallResource } from './call-schema.js';

export const callUri = (accountId: string, sid: string) => `/v1/accounts/${accountId}/calls/${sid}`;

export function callResourceOf(call: Call): CallResource {
  const uri = callUri(call.accountId, call.sid);
  return {
    sid: call.sid,
    account_id: call.accountId,
    from: call.from,
    to: call.to,
    status: call.status,
    direction: call.direction,
    date_created: rfc2822(call.createdAtMs)!,
    date_updated: rfc2822(call.updatedAtMs)!,
    start_time: rfc2822(call.startTimeMs)!,
    end_time: rfc2822(call.endTimeMs),
    duration: call.durationSeconds === null ? null : String(call.durationSeconds),
    price: call.price,
    price_unit: call.priceUnit,
    carrier: call.carrier,
    announce_url: call.announceUrl,
    limit_exceeded_rule: call.limitExceededRule,
    uri,
    subresource_uris: { recordings: `${uri}/recordings`, transcriptions: `${uri}/transcriptions` },
  };
}

/** The CDR of an ended call. */
export function cdrOf(call: Call): Cdr {
  if (call.status !== 'completed' || call.endTimeMs === null || call.durationSeconds === null || call.price === null) {
    throw new Error(`call ${call.sid} has not ended; it has no CDR`);
  }
  return {
    callSid: call.sid,
    accountId: call.accountId,
    from: call.from,
    to: call.to,
    direction: call.direction,
    startTimeMs: call.startTimeMs,
    endTimeMs: call.endTimeMs,
    durationSeconds: call.durationSeconds,
    price: call.price,
    priceUnit: call.priceUnit,
    status: 'completed',
  };
}

/**
 * The event each status is reported under. limit_exceeded is a final status, and final statuses
 * come with the completed event (as Twilio reports busy, failed and no-answer): a receiver that
 * asked only for the end (the default) hears of a refused call too, with CallStatus limit_exceeded.
 */
const EVENT_OF: Record<CallStatus, CallbackEvent> = { initiated: 'initiated', ringing: 'ringing', 'in-progress': 'answered', completed: 'completed', limit_exceeded: 'completed' };

/** Whether reaching `status` is an event the call's statusCallback asked for. */
export function wantsCallback(call: Call, status: CallStatus): boolean {
  return call.statusCallback?.events.includes(EVENT_OF[status]) ?? false;
}

/** The status callback for the call as it is now (just after reaching its status). */
export function callbackRequestOf(call: Call, sequenceNumber: number): CallbackRequest | undefined {
  if (!call.statusCallback) return undefined;
  const params: Record<string, string> = {
    CallSid: call.sid,
    AccountSid: call.accountId,
    From: call.from,
    To: call.to,
    CallStatus: call.status,
    Direction: call.direction,
    Timestamp: rfc2822(call.updatedAtMs)!,
    SequenceNumber: String(sequenceNumber),
  };
  if (call.durationSeconds !== null) params.CallDuration = String(call.durationSeconds);
  return { url: call.statusCallback.url, method: call.statusCallback.method, params };
}
