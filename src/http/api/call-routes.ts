/**
 * Calls: place one, list them, read one, move it forward or end it. Every refusal that needs no
 * write (a bad number or callback URL, an unknown or foreign sid, a backwards move) is made in
 * the precheck, before the throttle, so it is never counted; the handler checks again.
 */
import type { CallDomain } from '../../domains/calls/call-domain.js';
import type { Call } from '../../domains/calls/call.js';
import type { NewCall } from '../../domains/calls/calls.js';
import { callResourceOf } from '../../domains/calls/call-resource.js';
import { callList, callResource, callSidPattern, createCallBody, listCallsQuery, updateCallBody } from '../../domains/calls/call-schema.js';
import { notFound } from '../../errors.js';
import { defineRoute, json, type ApiRoute } from '../api-route.js';
import { accountIdParam } from './account-routes.js';

const CALLS = '/v1/accounts/:accountId/calls';
const CALL = `${CALLS}/:sid`;
const callParams = { accountId: accountIdParam, sid: { type: 'string', pattern: callSidPattern } };
/** The update statuses that end a call. */
const ENDING: ReadonlySet<string> = new Set(['end', 'completed', 'canceled']);
const conflict = { description: 'STATE_CONFLICT: the call is past that status (it cannot go back), has ended, or is limit_exceeded.', schema: { $ref: '#/components/schemas/Error' } };

export function callRoutes({ calls, listing }: Pick<CallDomain, 'calls' | 'listing'>): ApiRoute[] {
  // What the precheck found, for the handler of the same request: the body and the params
  // objects are shared by both, so a create resolves its callback host once and a read reads once.
  const prepared = new WeakMap<object, NewCall>();
  const found = new WeakMap<object, Call>();

  const update = (method: 'POST' | 'PATCH') =>
    defineRoute({
      operationId: method === 'POST' ? 'updateCall' : 'patchCall',
      method,
      path: CALL,
      tag: 'calls',
      summary: method === 'POST' ? 'Move a call forward (ringing, in-progress) or end it (end, completed, canceled)' : 'The same as POST on the call',
      description:
        'Ending sets end_time, duration (whole seconds from start_time) and price (every started minute), status completed, and writes the call\'s CDR once. ' +
        'Ending an ended call (completed or limit_exceeded) changes nothing and answers 200 with it; a limit_exceeded call never moves (409) and has no CDR.',
      auth: 'account',
      throttled: true,
      params: callParams,
      body: updateCallBody,
      bodyExamples: { end: { summary: 'End the call', value: { status: 'end' } }, answer: { summary: 'The callee answered', value: { status: 'in-progress' } } },
      responses: { 200: { description: 'The call after the change.', schema: callResource }, 409: conflict },
      precheck: async ({ params, body, caller }) => calls.checkUpdate(caller!.accountId, params.sid!, body.status),
      // Hanging up is never refused by a limit: it gives capacity back (a concurrent slot, a carrier).
      neverThrottled: ({ body }) => ENDING.has((body as { status: string }).status),
      handle: async ({ params, body, caller }) => json(200, await calls.update(caller!.accountId, params.sid!, body.status)),
    });

  return [
    defineRoute({
      operationId: 'createCall',
      method: 'POST',
      path: CALLS,
      tag: 'calls',
      summary: 'Place a call (status initiated), optionally with status callbacks',
      description:
        'There is no media plane: the call is set up when created (start_time = date_created) and its life is driven through the API. ' +
        'statusCallback must be an http(s) URL on a public host (or a host of CALLBACK_ALLOWED_HOSTS); it is called for each of statusCallbackEvent. ' +
        'A carrier rule records the carrier it chose in `carrier`. Over a rule with onLimit.announceUrl the call is not refused with 429: it is created (201) ' +
        'with status limit_exceeded, announce_url and limit_exceeded_rule, ended and never connected (no price, no CDR); the completed status callback reports it.',
      auth: 'account',
      throttled: true,
      recordsLimits: true,
      params: { accountId: accountIdParam },
      body: createCallBody,
      bodyExamples: {
        plain: { summary: 'A call', value: { to: '+14155550100', from: '+14155550199' } },
        callback: { summary: 'With status callbacks', value: { to: '(415) 555-0100', from: '+14155550199', statusCallback: 'https://example.com/status', statusCallbackEvent: ['initiated', 'answered', 'completed'], statusCallbackMethod: 'POST' } },
      },
      responses: { 201: { description: 'The call, initiated; or limit_exceeded when a rule with an announcement refused it.', schema: callResource } },
      precheck: async ({ body }) => {
        prepared.set(body, await calls.prepare(body));
      },
      leaseSid: 'CA',
      handle: async ({ body, caller, leaseId, limits }) => json(201, await calls.create(caller!.accountId, prepared.get(body) ?? (await calls.prepare(body)), leaseId, limits)),
    }),
    defineRoute({
      operationId: 'listCalls',
      method: 'GET',
      path: CALLS,
      tag: 'calls',
      summary: 'The account\'s calls, newest first, by status, number and creation date (the last 30 days by default)',
      auth: 'account',
      throttled: true,
      params: { accountId: accountIdParam },
      query: listCallsQuery,
      responses: { 200: { description: 'A page of calls.', schema: callList } },
      precheck: async ({ query, caller }) => listing.check(caller!.accountId, query),
      handle: async ({ query, caller }) => json(200, await listing.list(caller!.accountId, query)),
    }),
    defineRoute({
      operationId: 'getCall',
      method: 'GET',
      path: CALL,
      tag: 'calls',
      summary: 'A call of the account',
      auth: 'account',
      throttled: true,
      params: callParams,
      responses: { 200: { description: 'The call.', schema: callResource } },
      precheck: async ({ params, caller }) => {
        const call = await calls.find(caller!.accountId, params.sid!);
        if (!call) throw notFound('Call');
        found.set(params, call);
      },
      handle: async ({ params, caller }) => {
        const call = found.get(params) ?? (await calls.find(caller!.accountId, params.sid!));
        if (!call) throw notFound('Call');
        return json(200, callResourceOf(call));
      },
    }),
    update('POST'),
    update('PATCH'),
  ];
}
