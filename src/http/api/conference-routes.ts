/**
 * Conferences and their participants. Refusals that must not be counted against the account's
 * rules (an unknown or foreign sid: 404; an ended conference: 409; a bad number, date range or
 * page token: 400) are made in the precheck, before the throttle; the handlers check again.
 */
import {
  conferenceList, conferenceResource, conferenceSidPattern, createConferenceBody, joinConferenceBody, listConferencesQuery,
  listParticipantsQuery, participantList, participantResource, participantSidPattern, updateConferenceBody,
} from '../../domains/conferences/conference-schema.js';
import type { Conferences } from '../../domains/conferences/conferences.js';
import { defineRoute, json, type ApiRoute } from '../api-route.js';
import { accountIdParam } from './account-routes.js';

const BASE = '/v1/accounts/:accountId/conferences';
const sidParams = { accountId: accountIdParam, sid: { type: 'string', pattern: conferenceSidPattern } };
const ended = { description: 'CONFERENCE_ENDED: the conference has ended.', schema: { $ref: '#/components/schemas/Error' } };
const common = { tag: 'conferences', auth: 'account', throttled: true } as const;

export function conferenceRoutes(conferences: Conferences): ApiRoute[] {
  return [
    defineRoute({
      ...common,
      operationId: 'createConference',
      method: 'POST',
      path: BASE,
      summary: 'Create a conference (in progress until it is ended)',
      body: createConferenceBody,
      bodyExamples: { room: { summary: 'A room with an announcement', value: { friendlyName: 'standup', announceUrl: 'https://example.com/welcome.mp3' } } },
      params: { accountId: accountIdParam },
      responses: { 201: { description: 'Created.', schema: conferenceResource } },
      handle: async ({ caller, body }) => json(201, await conferences.create(caller!.accountId, body)),
    }),
    defineRoute({
      ...common,
      operationId: 'listConferences',
      method: 'GET',
      path: BASE,
      summary: 'Conferences of the account by creation date or by room name, newest first, paged',
      description:
        'By creation date (`startDate`/`endDate`, default the last 30 days, at most 366 days) or by room (`friendlyName`, of any date unless a range is given), ' +
        'optionally by `status`. Pages follow `nextPageToken`, passed back as `pageToken` with the same filters.',
      query: listConferencesQuery,
      params: { accountId: accountIdParam },
      responses: { 200: { description: 'A page of conferences, newest first.', schema: conferenceList } },
      precheck: async ({ caller, query }) => conferences.checkList(caller!.accountId, query),
      handle: async ({ caller, query }) => json(200, await conferences.list(caller!.accountId, query)),
    }),
    defineRoute({
      ...common,
      operationId: 'getConference',
      method: 'GET',
      path: `${BASE}/:sid`,
      summary: 'A conference',
      params: sidParams,
      responses: { 200: { description: 'The conference.', schema: conferenceResource } },
      precheck: async ({ caller, params }) => void (await conferences.get(caller!.accountId, params.sid!)),
      handle: async ({ caller, params }) => json(200, await conferences.get(caller!.accountId, params.sid!)),
    }),
    defineRoute({
      ...common,
      operationId: 'updateConference',
      method: 'PATCH',
      path: `${BASE}/:sid`,
      summary: 'Set the IVR announcement of an ongoing conference, or end it',
      description: 'One change per request: `announceUrl` (409 once the conference has ended) or `status: "completed"` (ending an ended conference changes nothing and answers 200).',
      body: updateConferenceBody,
      bodyExamples: {
        announce: { summary: 'Set the announcement', value: { announceUrl: 'https://example.com/closing-soon.mp3' } },
        end: { summary: 'End the conference', value: { status: 'completed' } },
      },
      params: sidParams,
      responses: { 200: { description: 'The conference after the change.', schema: conferenceResource }, 409: ended },
      precheck: async ({ caller, params, body }) => conferences.checkUpdate(caller!.accountId, params.sid!, body),
      // Ending a conference gives its participants' slots back: never refused by a limit.
      neverThrottled: ({ body }) => (body as { status?: string }).status === 'completed',
      handle: async ({ caller, params, body }) => json(200, await conferences.update(caller!.accountId, params.sid!, body)),
    }),
    defineRoute({
      ...common,
      operationId: 'joinConference',
      method: 'POST',
      path: `${BASE}/:sid/participants`,
      summary: 'A participant joins an ongoing conference',
      body: joinConferenceBody,
      bodyExamples: { join: { summary: 'A caller joins, muted', value: { from: '+14155551212', muted: true } } },
      params: sidParams,
      responses: { 201: { description: 'Joined.', schema: participantResource }, 409: ended },
      precheck: async ({ caller, params, body }) => conferences.checkJoin(caller!.accountId, params.sid!, body),
      leaseSid: 'CP',
      handle: async ({ caller, params, body, leaseId }) => json(201, await conferences.join(caller!.accountId, params.sid!, body, leaseId)),
    }),
    defineRoute({
      ...common,
      operationId: 'listParticipants',
      method: 'GET',
      path: `${BASE}/:sid/participants`,
      summary: 'Participants of a conference, connected and left, in join order, paged',
      query: listParticipantsQuery,
      params: sidParams,
      responses: { 200: { description: 'A page of participants.', schema: participantList } },
      precheck: async ({ caller, params, query }) => conferences.checkParticipants(caller!.accountId, params.sid!, query),
      handle: async ({ caller, params, query }) => json(200, await conferences.listParticipants(caller!.accountId, params.sid!, query)),
    }),
    defineRoute({
      ...common,
      operationId: 'leaveConference',
      method: 'DELETE',
      path: `${BASE}/:sid/participants/:participantId`,
      summary: 'A participant leaves (leaving twice changes nothing); never throttled: leaving gives a slot back',
      throttled: false,
      params: { ...sidParams, participantId: { type: 'string', pattern: participantSidPattern } },
      responses: { 200: { description: 'The participant, left.', schema: participantResource } },
      precheck: async ({ caller, params }) => conferences.checkParticipant(caller!.accountId, params.sid!, params.participantId!),
      handle: async ({ caller, params }) => json(200, await conferences.leave(caller!.accountId, params.sid!, params.participantId!)),
    }),
  ];
}
