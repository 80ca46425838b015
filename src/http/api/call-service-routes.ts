/**
 * Call services: start, stop and list a call's recordings and transcriptions (metadata only).
 * The two kinds have the same routes. An unknown or foreign call or service (404) and a start
 * on an ended call (409 CALL_ENDED) are refused in the precheck, so they are never counted.
 */
import type { CallServices } from '../../domains/calls/call-services.js';
import type { ServiceKind } from '../../domains/calls/call-service.js';
import { callSidPattern } from '../../domains/calls/call-schema.js';
import {
  listServicesQuery,
  recordingSidPattern,
  serviceList,
  serviceResource,
  startServiceBody,
  stopServiceBody,
  transcriptionSidPattern,
} from '../../domains/calls/call-service-schema.js';
import { defineRoute, json, type ApiRoute } from '../api-route.js';
import { accountIdParam } from './account-routes.js';

interface KindInfo {
  kind: ServiceKind;
  /** Path segment and list key. */
  plural: 'recordings' | 'transcriptions';
  /** The Koa parameter of the service's sid. */
  param: 'rid' | 'tid';
  sidPattern: string;
  /** For operation ids: Recording, Transcription. */
  title: string;
}

const KINDS: readonly KindInfo[] = [
  { kind: 'recording', plural: 'recordings', param: 'rid', sidPattern: recordingSidPattern, title: 'Recording' },
  { kind: 'transcription', plural: 'transcriptions', param: 'tid', sidPattern: transcriptionSidPattern, title: 'Transcription' },
];

const callEnded = { description: 'CALL_ENDED: the call has ended; nothing can start on it.', schema: { $ref: '#/components/schemas/Error' } };

function routesOf(services: CallServices, info: KindInfo): ApiRoute[] {
  const { kind, plural, param, title } = info;
  const collection = `/v1/accounts/:accountId/calls/:sid/${plural}`;
  const callParams = { accountId: accountIdParam, sid: { type: 'string', pattern: callSidPattern } };
  const resource = serviceResource(info.sidPattern);
  return [
    defineRoute({
      operationId: `start${title}`,
      method: 'POST',
      path: collection,
      tag: 'call services',
      summary: `Start a ${kind} of a live call (metadata only)`,
      auth: 'account',
      throttled: true,
      params: callParams,
      body: startServiceBody,
      bodyRequired: false,
      responses: { 201: { description: `The ${kind}, in-progress.`, schema: resource }, 409: callEnded },
      precheck: async ({ params, caller }) => {
        await services.checkCall(caller!.accountId, params.sid!, true);
      },
      handle: async ({ params, caller }) => json(201, await services.start(kind, caller!.accountId, params.sid!)),
    }),
    defineRoute({
      operationId: `list${title}s`,
      method: 'GET',
      path: collection,
      tag: 'call services',
      summary: `The ${plural} of a call, newest first`,
      auth: 'account',
      throttled: true,
      params: callParams,
      query: listServicesQuery,
      responses: { 200: { description: `A page of ${plural}.`, schema: serviceList(plural, info.sidPattern) } },
      precheck: async ({ params, caller }) => {
        await services.checkCall(caller!.accountId, params.sid!, false);
      },
      handle: async ({ params, query, caller }) => {
        const { items, nextPageToken } = await services.list(kind, caller!.accountId, params.sid!, query);
        return json(200, { [plural]: items, nextPageToken });
      },
    }),
    defineRoute({
      operationId: `stop${title}`,
      method: 'POST',
      path: `${collection}/:${param}`,
      tag: 'call services',
      summary: `Stop a ${kind} (stopping a stopped one changes nothing)`,
      auth: 'account',
      throttled: true,
      params: { ...callParams, [param]: { type: 'string', pattern: info.sidPattern } },
      body: stopServiceBody,
      responses: { 200: { description: `The ${kind}, stopped.`, schema: resource } },
      precheck: async ({ params, caller }) => services.checkService(kind, caller!.accountId, params.sid!, params[param]!),
      handle: async ({ params, caller }) => json(200, await services.stop(kind, caller!.accountId, params.sid!, params[param]!)),
    }),
  ];
}

export function callServiceRoutes(services: CallServices): ApiRoute[] {
  return KINDS.flatMap((info) => routesOf(services, info));
}
