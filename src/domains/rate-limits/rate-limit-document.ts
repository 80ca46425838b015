/**
 * Kazoo 4.3 rate-limit documents (the crossbar `rate_limits` API, design note 003): how many SIP
 * packets an account, each of its devices, and the whole cluster may send per second and per
 * minute, by kind (registrations, invites, total_packets). Three documents:
 *
 * - account document `{account?, device?}`: `account` limits the account's traffic as a whole,
 *   `device` each device of the account that has no document of its own;
 * - device document: the limits themselves (`{per_second?, per_minute?}`), for one device;
 * - system document: as the account document (defaults for every account and device), plus
 *   `system`, a tollgate extension: a limit on the traffic of the whole cluster together.
 *
 * Every document may say `"consistency": "exact" | "fast"` (tollgate extension, default exact):
 * how the decision path counts the limits it supplies.
 *
 * The TypeBox schemas below are the one source of the types, of the OpenAPI description and of
 * the validation: `parseRateLimitDocument` walks them and refuses the first problem with a
 * message that names its JSON path (`data.account.per_second.invites must be an integer >= 0`),
 * which the route registry's validation cannot do for unknown keys.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { invalidRequest } from '../../errors.js';
import type { Consistency } from '../../rules/rule.js';

/** How the decision path counts a document's limits: a rule's consistency (exact when absent). */
export type { Consistency };

/** The largest count a limit may have: Kamailio, which enforces these at the edge, keeps 32-bit integers. */
export const MAX_PACKETS = 2_147_483_647;

const count = (kind: string) => Type.Integer({ minimum: 0, maximum: MAX_PACKETS, description: `${kind} per period.` });
const packetCounts = Type.Object(
  {
    registrations: Type.Optional(count('SIP REGISTER requests')),
    invites: Type.Optional(count('SIP INVITE requests')),
    total_packets: Type.Optional(count('SIP packets of any kind')),
  },
  { additionalProperties: false },
);
const periods = {
  per_second: Type.Optional(packetCounts),
  per_minute: Type.Optional(packetCounts),
};
const consistency = Type.Optional(
  Type.Unsafe<Consistency>({
    type: 'string',
    enum: ['exact', 'fast'],
    description:
      'tollgate extension, as a rule\'s consistency: exact (default) never lets more than the limit through across instances while the store answers; ' +
      'fast decides in memory on each instance and shares the counts at a short interval, with a bounded excess.',
  }),
);

/** Limits per second and per minute, by packet kind. */
export const packetLimitsSchema = Type.Object(periods, { additionalProperties: false });
export type PacketLimits = Static<typeof packetLimitsSchema>;

export const accountDocumentSchema = Type.Object(
  {
    account: Type.Optional(Type.Object(periods, { additionalProperties: false, description: 'The account\'s traffic as a whole.' })),
    device: Type.Optional(Type.Object(periods, { additionalProperties: false, description: 'Each device of the account without a document of its own.' })),
    consistency,
  },
  { additionalProperties: false },
);
export type AccountDocument = Static<typeof accountDocumentSchema>;

export const deviceDocumentSchema = Type.Object({ ...periods, consistency }, { additionalProperties: false });
export type DeviceDocument = Static<typeof deviceDocumentSchema>;

export const systemDocumentSchema = Type.Object(
  {
    account: Type.Optional(Type.Object(periods, { additionalProperties: false, description: 'Each account without an account section of its own.' })),
    device: Type.Optional(Type.Object(periods, { additionalProperties: false, description: 'Each device without limits of its own or of its account.' })),
    system: Type.Optional(Type.Object(periods, { additionalProperties: false, description: 'tollgate extension: all traffic of the cluster together.' })),
    consistency,
  },
  { additionalProperties: false },
);
export type SystemDocument = Static<typeof systemDocumentSchema>;

/** Which document: the system's, an account's, or a device's (always under its account). */
export type RateLimitScope = 'system' | 'account' | 'device';
export type RateLimitDocument = AccountDocument | DeviceDocument | SystemDocument;

const schemaOf: Record<RateLimitScope, TSchema> = { system: systemDocumentSchema, account: accountDocumentSchema, device: deviceDocumentSchema };

/**
 * The document in `data` (the request's `data` member), checked against its scope's schema and
 * copied; throws 400 INVALID_REQUEST whose field is the JSON path of the first problem.
 */
export function parseRateLimitDocument(scope: 'account', data: unknown): AccountDocument;
export function parseRateLimitDocument(scope: 'device', data: unknown): DeviceDocument;
export function parseRateLimitDocument(scope: 'system', data: unknown): SystemDocument;
export function parseRateLimitDocument(scope: RateLimitScope, data: unknown): RateLimitDocument;
export function parseRateLimitDocument(scope: RateLimitScope, data: unknown): RateLimitDocument {
  return checked(schemaOf[scope], data, 'data') as RateLimitDocument;
}

/**
 * Walks the subset of JSON Schema the documents use (objects of optional members without extra
 * keys, bounded integers, string enums) and rebuilds the value from what it checked, so nothing
 * unchecked is kept.
 */
function checked(schema: TSchema, value: unknown, path: string): unknown {
  if (schema.type === 'object') {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidRequest(path, `${path} must be an object`);
    const properties = schema.properties as Record<string, TSchema>;
    const copy: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(value)) {
      // hasOwn: "__proto__" or "constructor" in a document are unknown keys, not the prototype's.
      if (!Object.hasOwn(properties, key)) {
        throw invalidRequest(`${path}.${key}`, `unknown field "${path}.${key}" (${path} takes ${Object.keys(properties).join(', ')})`);
      }
      copy[key] = checked(properties[key]!, member, `${path}.${key}`);
    }
    return copy;
  }
  if (schema.type === 'integer') {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw invalidRequest(path, `${path} must be an integer >= 0`);
    if (value > (schema.maximum as number)) throw invalidRequest(path, `${path} must be at most ${String(schema.maximum)}`);
    return value;
  }
  const allowed = schema.enum as readonly string[];
  if (typeof value !== 'string' || !allowed.includes(value)) throw invalidRequest(path, `${path} must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`);
  return value;
}
