/**
 * Conferences: create, read, list, set the IVR announcement, end, and their participants.
 * Framework-free: the HTTP layer validates bodies and queries against conference-schema.ts,
 * authenticates, and calls these functions with the caller's account.
 *
 * The `check*` functions are the refusals the routes run before the throttle (an unknown or
 * foreign sid, an ended conference, a bad number or page token), so that a refused request is
 * not counted; the actions check again, since the state may move in between.
 */
import type { Clock } from '../../clock.js';
import { invalidRequest, notFound, TollgateError } from '../../errors.js';
import { toE164 } from '../../keys/phone.js';
import type { PageTokens } from '../shared/page-token.js';
import { isSid, newSid } from '../shared/sids.js';
import type { Conference, ConferenceChange, ConferenceRepository, Outcome, Participant } from './conference.js';
import { conferenceResource, endedAtMs, participantResource } from './conference-resource.js';
import { planConferenceListing, planParticipantListing } from './conference-listing.js';
import { NO_SLOT_LEASES, type SlotLeases } from '../shared/slot-leases.js';
import type {
  ConferenceList, ConferenceResource, CreateConferenceBody, JoinConferenceBody, ListConferencesQuery,
  ListParticipantsQuery, ParticipantList, ParticipantResource, UpdateConferenceBody,
} from './conference-schema.js';

/** What createConferences is given by compose.ts. */
export interface ConferencesDeps {
  repository: ConferenceRepository;
  clock: Clock;
  pageTokens: PageTokens;
  /** The region of numbers written without a country code. */
  defaultPhoneRegion: string;
  /** Gives back a participant's concurrent-limit slots when it leaves (or its conference ends). */
  slots?: SlotLeases;
}

/** The conference service the routes call; every method is scoped to the caller's account. */
export interface Conferences {
  create(accountId: string, body: CreateConferenceBody): Promise<ConferenceResource>;
  get(accountId: string, sid: string): Promise<ConferenceResource>;
  checkList(accountId: string, query: ListConferencesQuery): void;
  list(accountId: string, query: ListConferencesQuery): Promise<ConferenceList>;
  checkUpdate(accountId: string, sid: string, body: UpdateConferenceBody): Promise<void>;
  update(accountId: string, sid: string, body: UpdateConferenceBody): Promise<ConferenceResource>;
  checkJoin(accountId: string, sid: string, body: JoinConferenceBody): Promise<void>;
  /** `participantSid`: minted before the throttle when the participant holds concurrent-limit slots under it. */
  join(accountId: string, sid: string, body: JoinConferenceBody, participantSid?: string): Promise<ParticipantResource>;
  checkParticipant(accountId: string, sid: string, participantSid: string): Promise<void>;
  leave(accountId: string, sid: string, participantSid: string): Promise<ParticipantResource>;
  checkParticipants(accountId: string, sid: string, query: ListParticipantsQuery): Promise<void>;
  listParticipants(accountId: string, sid: string, query: ListParticipantsQuery): Promise<ParticipantList>;
}

/** 409 CONFERENCE_ENDED: nobody can join an ended conference, and its announcement cannot change. */
export const conferenceEnded = () => new TollgateError('CONFERENCE_ENDED', 'The conference has ended');

export function createConferences(deps: ConferencesDeps): Conferences {
  const { repository, clock, pageTokens } = deps;
  const slots = deps.slots ?? NO_SLOT_LEASES;

  /** Every participant of an ended conference gives its slots back (again, on a repeated end: harmless). */
  async function releaseParticipants(accountId: string, sid: string): Promise<void> {
    let position: unknown;
    do {
      const page = await repository.listParticipants(accountId, sid, 500, position);
      await Promise.all(page.items.map((p) => slots.release(p.sid)));
      position = page.next;
    } while (position !== undefined);
  }

  async function requireConference(accountId: string, sid: string): Promise<Conference> {
    const conference = isSid('CF', sid) ? await repository.get(accountId, sid) : undefined;
    if (!conference) throw notFound('Conference');
    return conference;
  }

  function e164(from: string): string {
    const number = toE164(from, deps.defaultPhoneRegion);
    if (!number.ok) throw invalidRequest('from', `from ${number.reason}`);
    return number.value;
  }

  function change(body: UpdateConferenceBody): ConferenceChange {
    if (body.announceUrl !== undefined && body.status !== undefined) {
      throw invalidRequest('status', 'give announceUrl (to set the announcement) or status (to end the conference), not both in one request');
    }
    return body.announceUrl !== undefined ? { kind: 'announce', announceUrl: body.announceUrl } : { kind: 'end' };
  }

  /** What an applied change or join gave; a missing conference is 404, an ended one 409. */
  function applied<T>(outcome: Outcome<T>): T {
    if (outcome.kind === 'missing') throw notFound('Conference');
    if (outcome.kind === 'ended') throw conferenceEnded();
    return outcome.value;
  }

  function requireSids(sid: string, participantSid: string): void {
    if (!isSid('CF', sid)) throw notFound('Conference');
    if (!isSid('CP', participantSid)) throw notFound('Participant');
  }

  return {
    async create(accountId, body) {
      const now = clock();
      const conference: Conference = {
        sid: newSid('CF', now), accountId, friendlyName: body.friendlyName, status: 'in-progress',
        announceUrl: body.announceUrl ?? null, createdAtMs: now, updatedAtMs: now,
      };
      await repository.create(conference);
      return conferenceResource(conference);
    },
    get: async (accountId, sid) => conferenceResource(await requireConference(accountId, sid)),
    checkList(accountId, query) {
      planConferenceListing(accountId, query, clock(), pageTokens);
    },
    async list(accountId, query) {
      const plan = planConferenceListing(accountId, query, clock(), pageTokens);
      const page = await repository.list(accountId, plan.filter, plan.pageSize, plan.position);
      return { conferences: page.items.map(conferenceResource), nextPageToken: plan.nextToken(page.next) };
    },
    async checkUpdate(accountId, sid, body) {
      const wanted = change(body);
      const conference = await requireConference(accountId, sid);
      if (wanted.kind === 'announce' && conference.status === 'completed') throw conferenceEnded();
    },
    async update(accountId, sid, body) {
      const wanted = change(body);
      if (!isSid('CF', sid)) throw notFound('Conference');
      const outcome = await repository.change(accountId, sid, wanted, clock());
      if (wanted.kind === 'end' && (outcome.kind === 'ended' || outcome.kind === 'applied')) await releaseParticipants(accountId, sid);
      // Ending an ended conference changes nothing and is not an error: the conference as it ended.
      return conferenceResource(wanted.kind === 'end' && outcome.kind === 'ended' ? outcome.conference : applied(outcome));
    },
    async checkJoin(accountId, sid, body) {
      e164(body.from);
      if ((await requireConference(accountId, sid)).status === 'completed') throw conferenceEnded();
    },
    async join(accountId, sid, body, participantSid) {
      const from = e164(body.from);
      if (!isSid('CF', sid)) throw notFound('Conference');
      const now = clock();
      const participant: Participant = { sid: participantSid ?? newSid('CP', now), conferenceSid: sid, accountId, from, muted: body.muted ?? false, joinedAtMs: now, leftAtMs: null };
      // A join applies only to an ongoing conference: it is shown connected, with no second read.
      return participantResource(applied(await repository.join(participant)), null);
    },
    async checkParticipant(accountId, sid, participantSid) {
      requireSids(sid, participantSid);
      // Scoped by account and conference: another account's or conference's participant is not found.
      if (!(await repository.getParticipant(accountId, sid, participantSid))) throw notFound('Participant');
    },
    async leave(accountId, sid, participantSid) {
      requireSids(sid, participantSid);
      const left = await repository.leave(accountId, sid, participantSid, clock());
      if (!left) throw notFound('Participant');
      await slots.release(participantSid);
      // Read after the leave: if the conference ended meanwhile, the participant left with it.
      return participantResource(left, endedAtMs(await requireConference(accountId, sid)));
    },
    async checkParticipants(accountId, sid, query) {
      planParticipantListing(accountId, sid, query, pageTokens);
      await requireConference(accountId, sid);
    },
    async listParticipants(accountId, sid, query) {
      const plan = planParticipantListing(accountId, sid, query, pageTokens);
      const conference = await requireConference(accountId, sid);
      const page = await repository.listParticipants(accountId, sid, plan.pageSize, plan.position);
      return { participants: page.items.map((p) => participantResource(p, endedAtMs(conference))), nextPageToken: plan.nextToken(page.next) };
    },
  };
}
