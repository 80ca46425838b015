/**
 * A conference and its participants as the conferences domain keeps them, and the repository the
 * domain needs. There is no media plane: a conference lives from its creation until someone ends
 * it through the API, and its status only moves forward (in-progress -> completed). Every change
 * of a conference, and every join and leave, is a compare-and-set on the stored state, so two
 * instances acting on one conference at once agree on what happened.
 *
 * When a conference ends, the participants still connected are not rewritten: they are shown as
 * left at the conference's end when read (participantView in conference-resource.ts). Ending is
 * then one conditional write of one row, which cannot half-apply, and a join racing the end is
 * ordered by the same compare-and-set (it is refused, or it lands before and is shown as left).
 */

export type ConferenceStatus = 'in-progress' | 'completed';

export interface Conference {
  sid: string;
  accountId: string;
  friendlyName: string;
  status: ConferenceStatus;
  /** The IVR announcement played to the room (http/https URL), or null. */
  announceUrl: string | null;
  createdAtMs: number;
  /**
   * Strictly increases with every change (the repository refuses a change based on an older
   * state), so copies of the conference kept for listings can be ordered by it. For an ended
   * conference it is the end time: nothing changes after the end.
   */
  updatedAtMs: number;
}

/** A participant as stored: its status is derived (participantView), never stored. */
export interface Participant {
  sid: string;
  conferenceSid: string;
  accountId: string;
  /** E.164. */
  from: string;
  muted: boolean;
  joinedAtMs: number;
  /** When it left by itself; null while connected (or when the conference ended under it). */
  leftAtMs: number | null;
}

/** Which conferences a listing reads: a range of creation times (inclusive, ms), optionally one room. */
export interface ConferenceFilter {
  fromMs: number;
  toMs: number;
  /** Only this room's conferences (read from the by-name table instead of the by-day one). */
  friendlyName?: string;
  status?: ConferenceStatus;
}

/**
 * One page of a listing and where the next one starts (undefined: that was the last). A page
 * holds at most the page size and may hold fewer (even none) before the last one: a store bounds
 * the reads one page may cost, and says where it stopped.
 */
export interface Page<T> {
  items: T[];
  /** Opaque, JSON-serialisable; the service signs it into a nextPageToken. */
  next: unknown;
}

/** A change applied only to an ongoing conference of the account. */
export type ConferenceChange =
  | { kind: 'announce'; announceUrl: string }
  | { kind: 'end' };

/**
 * The outcome of a change or a join: `missing` (no such conference in this account), `ended`
 * (it was completed before the change could apply: the stored state is given), or `applied`.
 * Ending an ended conference is `ended`, which the service answers as success.
 */
export type Outcome<T> =
  | { kind: 'missing' }
  | { kind: 'ended'; conference: Conference }
  | { kind: 'applied'; value: T };

/** Where conferences and their participants are kept (test/contract/conference-repository.contract.ts). */
export interface ConferenceRepository {
  create(conference: Conference): Promise<void>;
  /** undefined for an unknown sid or another account's. */
  get(accountId: string, sid: string): Promise<Conference | undefined>;
  /** Newest first, at most `pageSize`; `position` is a previous page's `next` for the same filter. */
  list(accountId: string, filter: ConferenceFilter, pageSize: number, position?: unknown): Promise<Page<Conference>>;
  /** Applies the change at `atMs` (or later: updatedAtMs only grows) if the conference is ongoing. */
  change(accountId: string, sid: string, change: ConferenceChange, atMs: number): Promise<Outcome<Conference>>;
  /** Adds the participant if its conference is ongoing. */
  join(participant: Participant): Promise<Outcome<Participant>>;
  /**
   * Sets leftAtMs if the participant is connected and the conference ongoing; otherwise changes
   * nothing. The participant as stored after, or undefined when the conference has no such one.
   */
  leave(accountId: string, conferenceSid: string, participantSid: string, atMs: number): Promise<Participant | undefined>;
  getParticipant(accountId: string, conferenceSid: string, participantSid: string): Promise<Participant | undefined>;
  /** In join order, at most `pageSize`; `position` is a previous page's `next`. */
  listParticipants(accountId: string, conferenceSid: string, pageSize: number, position?: unknown): Promise<Page<Participant>>;
}
