/**
 * Conferences and participants as the API shows them: snake_case fields, RFC 2822 dates, and
 * each participant's status derived from its own leave time and its conference's state.
 */
import { rfc2822 } from '../shared/time-format.js';
import type { Conference, Participant } from './conference.js';
import type { ConferenceResource, ParticipantResource } from './conference-schema.js';

export const conferenceUri = (accountId: string, sid: string) => `/v1/accounts/${accountId}/conferences/${sid}`;

export function conferenceResource(conference: Conference): ConferenceResource {
  const uri = conferenceUri(conference.accountId, conference.sid);
  return {
    sid: conference.sid,
    account_id: conference.accountId,
    friendly_name: conference.friendlyName,
    status: conference.status,
    announce_url: conference.announceUrl,
    date_created: rfc2822(conference.createdAtMs)!,
    date_updated: rfc2822(conference.updatedAtMs)!,
    uri,
    subresource_uris: { participants: `${uri}/participants` },
  };
}

/** When the conference ended (its updatedAtMs, since nothing changes after the end), or null. */
export const endedAtMs = (conference: Conference): number | null => (conference.status === 'completed' ? conference.updatedAtMs : null);

/**
 * A participant is left from when it left, or from when its conference ended (`conferenceEndedAtMs`,
 * null while it goes on): ending a conference does not rewrite its participants (see
 * conference.ts), so this is where they leave with it.
 */
export function participantResource(participant: Participant, conferenceEndedAtMs: number | null): ParticipantResource {
  const leftAtMs = participant.leftAtMs ?? conferenceEndedAtMs;
  return {
    sid: participant.sid,
    conference_sid: participant.conferenceSid,
    account_id: participant.accountId,
    from: participant.from,
    status: leftAtMs === null ? 'connected' : 'left',
    muted: participant.muted,
    date_created: rfc2822(participant.joinedAtMs)!,
    date_updated: rfc2822(leftAtMs ?? participant.joinedAtMs)!,
    uri: `${conferenceUri(participant.accountId, participant.conferenceSid)}/participants/${participant.sid}`,
  };
}
