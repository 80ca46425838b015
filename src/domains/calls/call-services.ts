/**
 * The call services service: start, stop and list a call's recordings or transcriptions.
 * Framework-free; http/api/call-service-routes.ts calls it for both kinds alike.
 */
import type { Clock } from '../../clock.js';
import { notFound, TollgateError } from '../../errors.js';
import type { PageTokens } from '../shared/page-token.js';
import { isSid, newSid } from '../shared/sids.js';
import { rfc2822 } from '../shared/time-format.js';
import { LIVE_STATUSES, type Call, type CallRepository } from './call.js';
import { callUri } from './call-resource.js';
import type { CallService, CallServiceRepository, ServiceKind } from './call-service.js';
import type { ListServicesQuery, ServiceResource } from './call-service-schema.js';

export interface CallServicesDeps {
  repository: CallServiceRepository;
  calls: Pick<CallRepository, 'get'>;
  clock: Clock;
  pageTokens: PageTokens;
}

export interface CallServices {
  /** The account's call (404 otherwise); for a start, a live one (409 CALL_ENDED otherwise: completed or limit_exceeded). */
  checkCall(accountId: string, callSid: string, forStart: boolean): Promise<Call>;
  /** 404 unless the call and its service of this kind exist. */
  checkService(kind: ServiceKind, accountId: string, callSid: string, sid: string): Promise<void>;
  start(kind: ServiceKind, accountId: string, callSid: string): Promise<ServiceResource>;
  stop(kind: ServiceKind, accountId: string, callSid: string, sid: string): Promise<ServiceResource>;
  list(kind: ServiceKind, accountId: string, callSid: string, query: ListServicesQuery): Promise<{ items: ServiceResource[]; nextPageToken: string | null }>;
}

const PREFIX = { recording: 'RE', transcription: 'TR' } as const;
const PATH = { recording: 'recordings', transcription: 'transcriptions' } as const;
const DEFAULT_PAGE_SIZE = 50;

/** A service as shown: stopped as of its call's end once the call has ended. */
function resourceOf(service: CallService, call: Call): ServiceResource {
  const ended = service.status === 'in-progress' && call.endTimeMs !== null;
  return {
    sid: service.sid,
    account_id: service.accountId,
    call_sid: service.callSid,
    status: ended ? 'stopped' : service.status,
    date_created: rfc2822(service.createdAtMs)!,
    date_updated: rfc2822(ended ? Math.max(call.endTimeMs!, service.createdAtMs) : service.updatedAtMs)!,
    uri: `${callUri(service.accountId, service.callSid)}/${PATH[service.kind]}/${service.sid}`,
  };
}

export function createCallServices(deps: CallServicesDeps): CallServices {
  const { repository, clock } = deps;

  async function checkCall(accountId: string, callSid: string, forStart: boolean): Promise<Call> {
    const call = isSid('CA', callSid) ? await deps.calls.get(accountId, callSid) : undefined;
    if (!call) throw notFound('Call');
    if (forStart && !LIVE_STATUSES.includes(call.status)) throw new TollgateError('CALL_ENDED', 'The call has ended; nothing can start on it');
    return call;
  }

  async function findService(kind: ServiceKind, accountId: string, callSid: string, sid: string): Promise<{ call: Call; service: CallService }> {
    const call = await checkCall(accountId, callSid, false);
    const service = isSid(PREFIX[kind], sid) ? await repository.get(accountId, callSid, kind, sid) : undefined;
    if (!service) throw notFound(kind === 'recording' ? 'Recording' : 'Transcription');
    return { call, service };
  }

  return {
    checkCall,
    async checkService(kind, accountId, callSid, sid) {
      await findService(kind, accountId, callSid, sid);
    },
    async start(kind, accountId, callSid) {
      const call = await checkCall(accountId, callSid, true);
      const now = clock();
      const service: CallService = { sid: newSid(PREFIX[kind], now), kind, accountId, callSid, status: 'in-progress', createdAtMs: now, updatedAtMs: now };
      await repository.create(service);
      return resourceOf(service, call);
    },
    async stop(kind, accountId, callSid, sid) {
      const { call, service } = await findService(kind, accountId, callSid, sid);
      // Stopped already, or stopped by its call's end: nothing to write.
      if (service.status === 'stopped' || call.endTimeMs !== null) return resourceOf(service, call);
      const stopped: CallService = { ...service, status: 'stopped', updatedAtMs: Math.max(clock(), service.createdAtMs) };
      await repository.update(stopped);
      return resourceOf(stopped, call);
    },
    async list(kind, accountId, callSid, query) {
      const call = await checkCall(accountId, callSid, false);
      const binding = JSON.stringify([PATH[kind], accountId, callSid]);
      const position = query.pageToken === undefined ? undefined : deps.pageTokens.decode(binding, query.pageToken);
      const page = await repository.list(accountId, callSid, kind, query.pageSize ?? DEFAULT_PAGE_SIZE, position);
      return {
        items: page.services.map((service) => resourceOf(service, call)),
        nextPageToken: page.next === undefined ? null : deps.pageTokens.encode(binding, page.next),
      };
    },
  };
}
