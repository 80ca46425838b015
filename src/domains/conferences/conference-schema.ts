/** Bodies, queries and answers of the conference routes: schema and type from one TypeBox source. */
import { Type, type Static } from '@sinclair/typebox';
import { pageTokenParameter } from '../shared/page-token.js';

export const conferenceSidPattern = '^CF[0-9a-f]{32}$';
export const participantSidPattern = '^CP[0-9a-f]{32}$';

const friendlyName = (description: string) => Type.String({ minLength: 1, maxLength: 128, description });
const announceUrl = Type.String({ format: 'uri', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://', maxLength: 2048, description: 'An http or https URL of the announcement to play to the room.' });
/** ISO 8601, as parseIsoBound reads it (the same pattern as the CDR queries). */
const isoBound = (description: string) =>
  Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,3})?)?(Z|[+-]\\d{2}:\\d{2}))?$', description: `${description} ISO 8601: a date or a date-time with a zone (encode + as %2B).` });
const paging = {
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'Items per page, 1-1000 (default 50).' })),
  pageToken: pageTokenParameter(),
};

export const createConferenceBody = Type.Object(
  { friendlyName: friendlyName('The room name; conferences can be listed by it. Not unique.'), announceUrl: Type.Optional(announceUrl) },
  { additionalProperties: false },
);
export type CreateConferenceBody = Static<typeof createConferenceBody>;

/** One of the two changes per request: the handler refuses a body that names both. */
export const updateConferenceBody = Type.Object(
  {
    announceUrl: Type.Optional(announceUrl),
    status: Type.Optional(Type.Literal('completed', { description: 'Ends the conference; ending an ended one changes nothing.' })),
  },
  { additionalProperties: false, anyOf: [{ required: ['announceUrl'] }, { required: ['status'] }] },
);
export type UpdateConferenceBody = Static<typeof updateConferenceBody>;

export const listConferencesQuery = Type.Object(
  {
    friendlyName: Type.Optional(friendlyName('Only this room\'s conferences (of any date unless startDate or endDate is given).')),
    startDate: Type.Optional(isoBound('Created at or after this time; a date starts at 00:00 UTC. Default: endDate minus 30 days.')),
    endDate: Type.Optional(isoBound('Created at or before this time; a date includes its whole day (UTC). Default: now. At most 366 days after startDate.')),
    status: Type.Optional(Type.Unsafe<'in-progress' | 'completed'>({ type: 'string', enum: ['in-progress', 'completed'] })),
    ...paging,
  },
  { additionalProperties: false },
);
export type ListConferencesQuery = Static<typeof listConferencesQuery>;

export const joinConferenceBody = Type.Object(
  {
    from: Type.String({ minLength: 1, maxLength: 64, description: 'The participant\'s phone number; stored in E.164.' }),
    muted: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);
export type JoinConferenceBody = Static<typeof joinConferenceBody>;

export const listParticipantsQuery = Type.Object({ ...paging }, { additionalProperties: false });
export type ListParticipantsQuery = Static<typeof listParticipantsQuery>;

const rfc2822 = Type.String({ description: 'RFC 2822' });

export const conferenceResource = Type.Object(
  {
    sid: Type.String({ pattern: conferenceSidPattern }),
    account_id: Type.String({ pattern: '^AC[0-9a-f]{32}$' }),
    friendly_name: Type.String(),
    status: Type.Union([Type.Literal('in-progress'), Type.Literal('completed')]),
    announce_url: Type.Union([Type.String(), Type.Null()]),
    date_created: rfc2822,
    date_updated: rfc2822,
    uri: Type.String(),
    subresource_uris: Type.Object({ participants: Type.String() }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export type ConferenceResource = Static<typeof conferenceResource>;

export const participantResource = Type.Object(
  {
    sid: Type.String({ pattern: participantSidPattern }),
    conference_sid: Type.String({ pattern: conferenceSidPattern }),
    account_id: Type.String({ pattern: '^AC[0-9a-f]{32}$' }),
    from: Type.String({ description: 'E.164' }),
    status: Type.Union([Type.Literal('connected'), Type.Literal('left')], { description: 'left once it left, or once the conference ended.' }),
    muted: Type.Boolean(),
    date_created: rfc2822,
    date_updated: Type.String({ description: 'RFC 2822: when it left (or the conference ended), else when it joined.' }),
    uri: Type.String(),
  },
  { additionalProperties: false },
);
export type ParticipantResource = Static<typeof participantResource>;

const nextPageToken = Type.Union([Type.String(), Type.Null()], {
  description: 'Pass as pageToken (with the same filters) for the next page; null on the last page. A page may hold fewer items than pageSize before the last.',
});

export const conferenceList = Type.Object(
  { conferences: Type.Array(conferenceResource, { description: 'Newest first.' }), nextPageToken: nextPageToken },
  { additionalProperties: false },
);
export type ConferenceList = Static<typeof conferenceList>;

export const participantList = Type.Object(
  { participants: Type.Array(participantResource, { description: 'In join order (to the millisecond), those who left included.' }), nextPageToken: nextPageToken },
  { additionalProperties: false },
);
export type ParticipantList = Static<typeof participantList>;
