/** Bodies, queries and answers of the call routes: schema and type from one TypeBox source. */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { CALLBACK_EVENTS, CALL_STATUSES } from './call.js';
import { pageTokenParameter } from '../shared/page-token.js';

export const callSidPattern = '^CA[0-9a-f]{32}$';

/** An enum rather than a union of literals, so that a bad value is refused as "must be one of ...". */
export const stringEnum = <T extends string>(values: readonly T[], options: Record<string, unknown> = {}) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });

const phone = (description: string) => Type.String({ minLength: 1, maxLength: 64, description: `${description} Any spelling of a number; stored in E.164.` });

export const createCallBody = Type.Object(
  {
    to: phone('The number called.'),
    from: phone('The caller id.'),
    statusCallback: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'An http(s) URL told of the call\'s status changes. Must be a public host, or one of CALLBACK_ALLOWED_HOSTS when that is set.' })),
    statusCallbackEvent: Type.Optional(
      Type.Array(stringEnum(CALLBACK_EVENTS), { minItems: 1, maxItems: CALLBACK_EVENTS.length, uniqueItems: true, description: 'The events to call statusCallback for (default ["completed"]). Needs statusCallback.' }),
    ),
    statusCallbackMethod: Type.Optional(stringEnum(['POST', 'GET'] as const, { description: 'POST (form-encoded body, default) or GET (query string). Needs statusCallback.' })),
  },
  { additionalProperties: false },
);
export type CreateCallBody = Static<typeof createCallBody>;

/** Status moves a client may ask for: end, completed and canceled all end the call. */
export const UPDATE_STATUSES = ['ringing', 'in-progress', 'end', 'completed', 'canceled'] as const;
export type UpdateStatus = (typeof UPDATE_STATUSES)[number];

export const updateCallBody = Type.Object(
  { status: stringEnum(UPDATE_STATUSES, { description: 'ringing or in-progress (answered) move a live call forward; end, completed or canceled end it (status completed). Ending an ended call changes nothing.' }) },
  { additionalProperties: false },
);
export type UpdateCallBody = Static<typeof updateCallBody>;

const isoBound = (description: string) =>
  Type.String({ maxLength: 40, description: `${description} ISO 8601: a date (2026-11-26) or a date-time with a zone (2026-11-26T10:00:00Z; encode + as %2B).` });

export const listCallsQuery = Type.Object(
  {
    status: Type.Optional(stringEnum(CALL_STATUSES, { description: 'Only calls in this status.' })),
    from: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Only calls from this number (any spelling; encode + as %2B).' })),
    to: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Only calls to this number (any spelling; encode + as %2B).' })),
    startDate: Type.Optional(isoBound('Calls created at or after this time; a date starts at 00:00 UTC. Default: endDate minus 30 days.')),
    endDate: Type.Optional(isoBound('Calls created at or before this time; a date includes its whole day (UTC). Default: now. At most 366 days after startDate.')),
    pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'Calls per page, 1-1000 (default 50). A page may hold fewer and still have a nextPageToken.' })),
    pageToken: pageTokenParameter(),
  },
  { additionalProperties: false },
);
export type ListCallsQuery = Static<typeof listCallsQuery>;

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const callResource = Type.Object(
  {
    sid: Type.String({ pattern: callSidPattern }),
    account_id: Type.String({ pattern: '^AC[0-9a-f]{32}$' }),
    from: Type.String({ description: 'E.164' }),
    to: Type.String({ description: 'E.164' }),
    status: stringEnum(CALL_STATUSES, {
      description: 'initiated, ringing, in-progress (answered), completed; or limit_exceeded: a rule with an announcement refused the call, which was created ended (the caller hears announce_url) and never moves.',
    }),
    direction: Type.Literal('outbound-api'),
    date_created: Type.String({ description: 'RFC 2822' }),
    date_updated: Type.String({ description: 'RFC 2822' }),
    start_time: Type.String({ description: 'RFC 2822; the creation time (there is no media plane).' }),
    end_time: nullable(Type.String({ description: 'RFC 2822' })),
    duration: nullable(Type.String({ pattern: '^[0-9]+$', description: 'Whole seconds from start_time to end_time; null until the call ends; "0" for a limit_exceeded call.' })),
    price: nullable(Type.String({ pattern: '^-?[0-9]+\\.[0-9]{5}$', description: 'Negative for a charge: every started minute at CALL_PRICE_PER_MINUTE; null until the call ends, and for a limit_exceeded call (it never connected).' })),
    price_unit: Type.String({ description: 'ISO 4217' }),
    carrier: nullable(Type.String({ description: 'The carrier a carrier rule chose for the call; null when no carrier rule applies, and for a limit_exceeded call.' })),
    announce_url: nullable(Type.String({ description: 'limit_exceeded: the announcement played instead of the call (the rule\'s onLimit.announceUrl); null otherwise.' })),
    limit_exceeded_rule: nullable(Type.String({ description: 'limit_exceeded: the id of the rule that refused the call; null otherwise.' })),
    uri: Type.String(),
    subresource_uris: Type.Object({ recordings: Type.String(), transcriptions: Type.String() }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export type CallResource = Static<typeof callResource>;

export const callList = Type.Object(
  {
    calls: Type.Array(callResource, { description: 'Newest first.' }),
    nextPageToken: nullable(Type.String({ description: 'Pass as pageToken (with the same filters) for the next page; null on the last page. A page may be short, even empty, and still have one.' })),
  },
  { additionalProperties: false },
);
export type CallList = Static<typeof callList>;
