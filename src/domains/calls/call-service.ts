/**
 * Call services: recordings and transcriptions of a call. Metadata only (there is no media
 * plane): a sid, a status and timestamps. A service is started on a live call and stopped by the
 * API; once its call has ended it is shown as stopped (as of the call's end), whatever its row
 * says, so that ending a call needs no write per service.
 */

export const SERVICE_KINDS = ['recording', 'transcription'] as const;
export type ServiceKind = (typeof SERVICE_KINDS)[number];

export type ServiceStatus = 'in-progress' | 'stopped';

export interface CallService {
  sid: string;
  kind: ServiceKind;
  accountId: string;
  callSid: string;
  status: ServiceStatus;
  createdAtMs: number;
  updatedAtMs: number;
}

/** One page of a call's services of one kind; `next` is opaque (undefined: that was the last). */
export interface CallServicePage {
  services: CallService[];
  next: unknown;
}

/** Where call services are kept: store/memory and store/cassandra implement it (test/contract/call-service-repository.contract.ts). */
export interface CallServiceRepository {
  create(service: CallService): Promise<void>;
  get(accountId: string, callSid: string, kind: ServiceKind, sid: string): Promise<CallService | undefined>;
  /** Newest first, at most `pageSize`; `position` is a previous page's `next` for the same call and kind. */
  list(accountId: string, callSid: string, kind: ServiceKind, pageSize: number, position?: unknown): Promise<CallServicePage>;
  /** Writes an existing service's status and update time. */
  update(service: CallService): Promise<void>;
}
