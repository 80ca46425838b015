/**
 * Conferences and participants in memory, for `npm start` without Cassandra. Every method runs
 * to completion between awaits, so its check-then-change is atomic as Cassandra's lightweight
 * transactions are. Sids sort by creation time; a page's position is the last sid it gave.
 */
import type { Conference, ConferenceChange, ConferenceFilter, ConferenceRepository, Outcome, Page, Participant } from '../../domains/conferences/conference.js';
import { sidTimeMs } from '../../domains/shared/sids.js';

export class MemoryConferenceRepository implements ConferenceRepository {
  /** account -> conference sid -> conference. */
  private readonly conferences = new Map<string, Map<string, Conference>>();
  /** conference sid -> participant sid -> participant. */
  private readonly participants = new Map<string, Map<string, Participant>>();

  async create(conference: Conference): Promise<void> {
    let ofAccount = this.conferences.get(conference.accountId);
    if (!ofAccount) this.conferences.set(conference.accountId, (ofAccount = new Map()));
    ofAccount.set(conference.sid, { ...conference });
  }

  async get(accountId: string, sid: string): Promise<Conference | undefined> {
    const conference = this.conferences.get(accountId)?.get(sid);
    return conference && { ...conference };
  }

  async list(accountId: string, filter: ConferenceFilter, pageSize: number, position?: unknown): Promise<Page<Conference>> {
    const after = typeof position === 'string' ? position : undefined;
    const matches = [...(this.conferences.get(accountId)?.values() ?? [])]
      .filter((c) => {
        const ms = sidTimeMs(c.sid);
        return ms >= filter.fromMs && ms <= filter.toMs && (filter.friendlyName === undefined || c.friendlyName === filter.friendlyName) &&
          (filter.status === undefined || c.status === filter.status) && (after === undefined || c.sid < after);
      })
      .sort((a, b) => (a.sid < b.sid ? 1 : -1));
    const items = matches.slice(0, pageSize).map((c) => ({ ...c }));
    return { items, next: matches.length > pageSize ? items[items.length - 1]!.sid : undefined };
  }

  async change(accountId: string, sid: string, change: ConferenceChange, atMs: number): Promise<Outcome<Conference>> {
    const conference = this.conferences.get(accountId)?.get(sid);
    if (!conference) return { kind: 'missing' };
    if (conference.status === 'completed') return { kind: 'ended', conference: { ...conference } };
    conference.updatedAtMs = Math.max(atMs, conference.updatedAtMs + 1);
    if (change.kind === 'announce') conference.announceUrl = change.announceUrl;
    else conference.status = 'completed';
    return { kind: 'applied', value: { ...conference } };
  }

  async join(participant: Participant): Promise<Outcome<Participant>> {
    const conference = this.conferences.get(participant.accountId)?.get(participant.conferenceSid);
    if (!conference) return { kind: 'missing' };
    if (conference.status === 'completed') return { kind: 'ended', conference: { ...conference } };
    let joined = this.participants.get(conference.sid);
    if (!joined) this.participants.set(conference.sid, (joined = new Map()));
    joined.set(participant.sid, { ...participant });
    return { kind: 'applied', value: { ...participant } };
  }

  async leave(accountId: string, conferenceSid: string, participantSid: string, atMs: number): Promise<Participant | undefined> {
    const participant = this.participantOf(accountId, conferenceSid, participantSid);
    if (!participant) return undefined;
    const ongoing = this.conferences.get(accountId)?.get(conferenceSid)?.status === 'in-progress';
    if (participant.leftAtMs === null && ongoing) participant.leftAtMs = atMs;
    return { ...participant };
  }

  async getParticipant(accountId: string, conferenceSid: string, participantSid: string): Promise<Participant | undefined> {
    const participant = this.participantOf(accountId, conferenceSid, participantSid);
    return participant && { ...participant };
  }

  async listParticipants(accountId: string, conferenceSid: string, pageSize: number, position?: unknown): Promise<Page<Participant>> {
    if (!this.conferences.get(accountId)?.has(conferenceSid)) return { items: [], next: undefined };
    const after = typeof position === 'string' ? position : undefined;
    const all = [...(this.participants.get(conferenceSid)?.values() ?? [])]
      .filter((p) => after === undefined || p.sid > after)
      .sort((a, b) => (a.sid < b.sid ? -1 : 1));
    const items = all.slice(0, pageSize).map((p) => ({ ...p }));
    return { items, next: all.length > pageSize ? items[items.length - 1]!.sid : undefined };
  }

  /** The stored participant, only under its own account and conference. */
  private participantOf(accountId: string, conferenceSid: string, participantSid: string): Participant | undefined {
    if (!this.conferences.get(accountId)?.has(conferenceSid)) return undefined;
    return this.participants.get(conferenceSid)?.get(participantSid);
  }
}
