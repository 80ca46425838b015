/**
 * The calls service: place a call, read it, move it forward, end it. Framework-free; the routes
 * in http/api/call-routes.ts call it with validated bodies.
 *
 * Ending is where instances can race. Every move is a compare-and-set in the repository, so of
 * two instances ending one call exactly one applies the end; that one fires the completed
 * callback. Whoever then sees the call completed, winner or not, upserts its CDR from the stored
 * row (CdrWriter.record is keyed by call sid): a repeated end repairs a CDR a crash lost between
 * the two writes, and there is still one row.
 *
 * A call refused by a rule with an announcement (limits.exceeded) is created limit_exceeded: 201,
 * ended at once, never connected, so it has no price and no CDR, holds no slot (the throttle gave
 * them back), cannot move (409), and ending it answers it as it is.
 */
import type { Clock } from '../../clock.js';
import { invalidRequest, notFound, TollgateError } from '../../errors.js';
import { toE164 } from '../../keys/phone.js';
import type { CdrWriter } from '../cdrs/cdr.js';
import { isSid, newSid } from '../shared/sids.js';
import { NO_SLOT_LEASES, type SlotLeases } from '../shared/slot-leases.js';
import { CALLBACK_EVENTS, isForward, type Call, type CallLimits, type CallRepository, type CallStatus, type StatusCallback } from './call.js';
import { endedCall, type CallPricing } from './call-price.js';
import { callbackRequestOf, callResourceOf, cdrOf, wantsCallback } from './call-resource.js';
import type { CallResource, CreateCallBody, UpdateStatus } from './call-schema.js';
import type { CallbackDispatcher } from './callback-dispatcher.js';
import type { CallbackUrlPolicy } from './callback-url-policy.js';

export interface CallsDeps {
  repository: CallRepository;
  cdrs: CdrWriter;
  clock: Clock;
  settings: CallPricing & { defaultPhoneRegion: string };
  urlPolicy: Pick<CallbackUrlPolicy, 'check'>;
  callbacks: Pick<CallbackDispatcher, 'dispatch'>;
  /** Gives back the concurrent-limit slots a call holds when it ends. */
  slots?: SlotLeases;
}

/** A create body once checked: numbers in E.164, the callback URL allowed. */
export interface NewCall {
  from: string;
  to: string;
  statusCallback: StatusCallback | null;
}

export interface Calls {
  /** Checks a create body (400 naming the field); writes nothing. */
  prepare(body: CreateCallBody): Promise<NewCall>;
  /**
   * `sid`: minted before the throttle when the call holds concurrent-limit slots under it.
   * `limits`: what the limiters decided: the carrier it records, or the refusal that makes it limit_exceeded.
   */
  create(accountId: string, call: NewCall, sid?: string, limits?: CallLimits): Promise<CallResource>;
  /** The account's call, or undefined (a malformed or foreign sid is simply not found). */
  find(accountId: string, sid: string): Promise<Call | undefined>;
  /** Refuses (404, 409) an update that cannot apply as things stand; writes nothing. */
  checkUpdate(accountId: string, sid: string, status: UpdateStatus): Promise<void>;
  update(accountId: string, sid: string, status: UpdateStatus): Promise<CallResource>;
}

/** Compare-and-set attempts before an update gives up on a call that keeps changing under it. */
const MAX_ATTEMPTS = 5;

const targetOf = (status: UpdateStatus): CallStatus => (status === 'ringing' || status === 'in-progress' ? status : 'completed');

export function createCalls(deps: CallsDeps): Calls {
  const { repository, clock, settings } = deps;
  const slots = deps.slots ?? NO_SLOT_LEASES;

  function e164(field: 'to' | 'from', raw: string): string {
    const normalized = toE164(raw, settings.defaultPhoneRegion);
    if (!normalized.ok) throw invalidRequest(field, `${field} ${normalized.reason}`);
    return normalized.value;
  }

  async function find(accountId: string, sid: string): Promise<Call | undefined> {
    return isSid('CA', sid) ? repository.get(accountId, sid) : undefined;
  }

  /** Refuses (409) a move the call's status does not allow; 'same': it is there already. */
  function judge(call: Call, target: CallStatus): 'move' | 'same' {
    if (call.status === target) return 'same';
    if (call.status === 'limit_exceeded') throw new TollgateError('STATE_CONFLICT', `The call was refused over a limit (rule ${call.limitExceededRule}) and never connected; it cannot become ${target}`);
    if (call.status === 'completed') throw new TollgateError('STATE_CONFLICT', `The call has ended; it cannot become ${target}`);
    if (!isForward(call.status, target)) throw new TollgateError('STATE_CONFLICT', `The call is ${call.status}; it cannot go back to ${target}`);
    return 'move';
  }

  function fire(call: Call, sequenceNumber: number): void {
    const request = callbackRequestOf(call, sequenceNumber);
    if (request) deps.callbacks.dispatch(request);
  }

  return {
    async prepare(body) {
      const call: NewCall = { to: e164('to', body.to), from: e164('from', body.from), statusCallback: null };
      if (body.statusCallback === undefined) {
        const orphan = body.statusCallbackEvent !== undefined ? 'statusCallbackEvent' : body.statusCallbackMethod !== undefined ? 'statusCallbackMethod' : undefined;
        if (orphan) throw invalidRequest(orphan, `${orphan} needs statusCallback`);
        return call;
      }
      const verdict = await deps.urlPolicy.check(body.statusCallback);
      if (!verdict.ok) throw invalidRequest('statusCallback', `statusCallback ${verdict.reason}`);
      const asked = body.statusCallbackEvent ?? ['completed'];
      const events = CALLBACK_EVENTS.filter((event) => asked.includes(event));
      return { ...call, statusCallback: { url: body.statusCallback, events, method: body.statusCallbackMethod ?? 'POST' } };
    },

    async create(accountId, draft, sid, limits = {}) {
      const now = clock();
      const placed: Call = {
        sid: sid ?? newSid('CA', now),
        accountId,
        from: draft.from,
        to: draft.to,
        status: 'initiated',
        direction: 'outbound-api',
        createdAtMs: now,
        updatedAtMs: now,
        startTimeMs: now,
        endTimeMs: null,
        durationSeconds: null,
        price: null,
        priceUnit: settings.callPriceUnit,
        statusCallback: draft.statusCallback,
        callbackSequence: 0,
        carrier: limits.carrier ?? null,
        announceUrl: null,
        limitExceededRule: null,
      };
      const call = limits.exceeded ? limitExceeded(placed, limits.exceeded) : placed;
      const fires = wantsCallback(call, call.status);
      const stored = fires ? { ...call, callbackSequence: 1 } : call;
      await repository.create(stored);
      if (fires) fire(stored, 0);
      return callResourceOf(stored);
    },

    find,

    async checkUpdate(accountId, sid, status) {
      const call = await find(accountId, sid);
      if (!call) throw notFound('Call');
      const target = targetOf(status);
      if (target !== 'completed') judge(call, target);
    },

    async update(accountId, sid, status) {
      const target = targetOf(status);
      let call = await find(accountId, sid);
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        if (!call) throw notFound('Call');
        if (call.status === 'limit_exceeded' && target === 'completed') return callResourceOf(call);
        if (call.status === 'completed' && target === 'completed') {
          await deps.cdrs.record(cdrOf(call));
          // A repeated end gives the slots back again: harmless, and it repairs a release lost to a crash.
          await slots.release(call.sid);
          return callResourceOf(call);
        }
        if (judge(call, target) === 'same') return callResourceOf(call);
        const moved = target === 'completed' ? endedCall(call, clock(), settings) : { ...call, status: target, updatedAtMs: Math.max(clock(), call.updatedAtMs) };
        const fires = wantsCallback(call, target);
        const next = fires ? { ...moved, callbackSequence: call.callbackSequence + 1 } : moved;
        const { applied, stored } = await repository.transition(call, next);
        if (applied) {
          // The callback first: a failed CDR write (503) is repaired by the client's retry, the callback would not be.
          if (fires) fire(next, call.callbackSequence);
          if (target === 'completed') {
            await deps.cdrs.record(cdrOf(next));
            await slots.release(next.sid);
          }
          return callResourceOf(next);
        }
        call = stored;
      }
      throw new TollgateError('STATE_CONFLICT', 'The call kept changing while it was being updated; try again');
    },
  };
}

/**
 * The call as a refusal with an announcement leaves it: ended when created (the caller hears the
 * announcement, there is no call to time), duration 0, no price and no carrier (it never
 * connected; a carrier a carrier rule chose was given back with the refusal).
 */
function limitExceeded(call: Call, exceeded: NonNullable<CallLimits['exceeded']>): Call {
  return { ...call, status: 'limit_exceeded', endTimeMs: call.startTimeMs, durationSeconds: 0, carrier: null, announceUrl: exceeded.announceUrl, limitExceededRule: exceeded.rule };
}
