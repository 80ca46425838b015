/** Call services (recordings, transcriptions) in memory, for `npm start` without Cassandra. */
import type { CallService, CallServicePage, CallServiceRepository, ServiceKind } from '../../domains/calls/call-service.js';

export class MemoryCallServiceRepository implements CallServiceRepository {
  /** account \0 call sid -> service sid -> service */
  private readonly byCall = new Map<string, Map<string, CallService>>();

  async create(service: CallService): Promise<void> {
    const key = `${service.accountId}\u0000${service.callSid}`;
    let services = this.byCall.get(key);
    if (!services) this.byCall.set(key, (services = new Map()));
    services.set(service.sid, { ...service });
  }

  async get(accountId: string, callSid: string, kind: ServiceKind, sid: string): Promise<CallService | undefined> {
    const service = this.byCall.get(`${accountId}\u0000${callSid}`)?.get(sid);
    return service && service.kind === kind ? { ...service } : undefined;
  }

  async list(accountId: string, callSid: string, kind: ServiceKind, pageSize: number, position?: unknown): Promise<CallServicePage> {
    const before = typeof position === 'string' ? position : undefined;
    const matching = [...(this.byCall.get(`${accountId}\u0000${callSid}`)?.values() ?? [])]
      .filter((service) => service.kind === kind && (before === undefined || service.sid < before))
      .sort((a, b) => (a.sid < b.sid ? 1 : -1));
    const services = matching.slice(0, pageSize).map((service) => ({ ...service }));
    return { services, next: matching.length > pageSize ? services[services.length - 1]!.sid : undefined };
  }

  async update(service: CallService): Promise<void> {
    const services = this.byCall.get(`${service.accountId}\u0000${service.callSid}`);
    if (services?.has(service.sid)) services.set(service.sid, { ...service });
  }
}
