/**
 * The JSON Schema of one item of a native rule's "limits", and the shapes it guarantees. An item is
 * picked by its "kind": windows and intervals may share a rule; concurrent, bucket, carriers and
 * shared limits stand alone in theirs (parse-limits.ts). What a schema cannot say well (durations,
 * token_costs' depth, share <= ceil <= rate, duplicate carriers) is checked in parse-limits.ts.
 */
import { MAX_LIMIT_COUNT, type FillTime, type TokenCosts } from './rule.js';

/** "2/30": at most 2 new within 30 seconds (FreeSWITCH's interval limits). */
export const INTERVAL = '^[1-9][0-9]{0,3}/[1-9][0-9]{0,7}$';
/** body./header./query./param. names, ip, token; a trailing "?" marks an optional part; "global" is one key for every request. */
export const KEY_REF = '^(?:(?:(?:body|header|query|param)\\.[A-Za-z0-9_$-]+(?:\\.[A-Za-z0-9_$-]+)*|ip|token)\\??|global)$';
/** A member of a shared limit: a key reference without "?" or "global" (every request has one member). */
export const MEMBER_REF = '^(?:(?:body|header|query|param)\\.[A-Za-z0-9_$-]+(?:\\.[A-Za-z0-9_$-]+)*|ip|token)$';
export const CARRIER_NAME = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';
export const FILL_TIMES: readonly FillTime[] = ['second', 'minute', 'hour', 'day'];
/** Every kind a limits item may name; a window's "kind" is optional. */
export const LIMIT_ITEM_KINDS = ['window', 'interval', 'concurrent', 'bucket', 'carriers', 'shared'] as const;

const positive = { type: 'integer', minimum: 1 } as const;
const normalizeName = { enum: ['e164', 'email', 'lowercase'] } as const;

/** A key part written as an object: {"from": "header.x-device-id", "normalize": "lowercase"}. */
export const keyPartObject = (pattern: string) =>
  ({
    type: 'object',
    required: ['from'],
    additionalProperties: false,
    properties: { from: { type: 'string', pattern }, normalize: normalizeName, stripPlusTag: { type: 'boolean' } },
  }) as const;

const limitSchemas = {
  interval: {
    type: 'object',
    required: ['kind', 'interval'],
    additionalProperties: false,
    properties: { kind: { const: 'interval' }, interval: { type: 'string', pattern: INTERVAL } },
  },
  // At most `max` at once (calls of an account, participants of a room), each slot held until the
  // resource ends or its `lease` runs out.
  concurrent: {
    type: 'object',
    required: ['kind', 'max', 'lease'],
    additionalProperties: false,
    properties: { kind: { const: 'concurrent' }, max: { ...positive, maximum: MAX_LIMIT_COUNT }, lease: { type: 'string' } },
  },
  // Kazoo's token bucket, in the token_buckets document's own words; every field has Kazoo's default.
  bucket: {
    type: 'object',
    required: ['kind'],
    additionalProperties: false,
    properties: {
      kind: { const: 'bucket' },
      max_bucket_tokens: positive,
      tokens_fill_rate: positive,
      tokens_fill_time: { enum: FILL_TIMES },
      token_costs: { type: ['number', 'object'] },
      application: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' },
    },
  },
  // FreeSWITCH's limit_execute in succession: carrier after carrier, each with at most `max` calls.
  carriers: {
    type: 'object',
    required: ['kind', 'carriers', 'lease'],
    additionalProperties: false,
    properties: {
      kind: { const: 'carriers' },
      carriers: {
        type: 'array',
        minItems: 1,
        maxItems: 16,
        items: {
          type: 'object',
          required: ['name', 'max'],
          additionalProperties: false,
          properties: { name: { type: 'string', pattern: CARRIER_NAME }, max: { ...positive, maximum: MAX_LIMIT_COUNT } },
        },
      },
      lease: { type: 'string' },
    },
  },
  // A hierarchical token bucket: the key is the parent, `member` the child.
  shared: {
    type: 'object',
    required: ['kind', 'rate', 'per', 'member', 'share'],
    additionalProperties: false,
    properties: {
      kind: { const: 'shared' },
      rate: positive,
      per: { type: 'string' },
      burst: positive,
      member: { anyOf: [{ type: 'string', pattern: MEMBER_REF }, keyPartObject(MEMBER_REF)] },
      share: positive,
      ceil: positive,
    },
  },
} as const;

const windowSchema = {
  allOf: [
    // Only "window" or an unknown kind reaches here (other kinds took their branch): name the known
    // ones before asking for a count.
    { type: 'object', properties: { kind: { enum: LIMIT_ITEM_KINDS } } },
    {
      type: 'object',
      required: ['count', 'window'],
      additionalProperties: false,
      properties: { kind: { const: 'window' }, count: { ...positive, maximum: MAX_LIMIT_COUNT }, window: { type: 'string' } },
    },
  ],
} as const;

/** if kind is K then K's schema else ...: so that an error names the field of the kind written. */
const byKind = Object.entries(limitSchemas).reduceRight<object>(
  (otherwise, [kind, schema]) => ({
    if: { type: 'object', required: ['kind'], properties: { kind: { const: kind } } },
    then: schema,
    else: otherwise,
  }),
  windowSchema,
);

/** One item of "limits": an interval "N/S", or an object picked by its kind (a window without one). */
export const limitItemSchema = {
  if: { type: 'string' },
  then: { type: 'string', pattern: INTERVAL },
  else: byKind,
} as const;

export type NormalizeName = 'e164' | 'email' | 'lowercase';
/** A key part as written: "body.phone", "param.accountId?", "global", or {"from", "normalize"}. */
export type NativeKeyPartJson = string | { from: string; normalize?: NormalizeName; stripPlusTag?: boolean };

export interface NativeWindowJson { kind?: 'window'; count: number; window: string }
export interface NativeIntervalJson { kind: 'interval'; interval: string }
export interface NativeConcurrentJson { kind: 'concurrent'; max: number; lease: string }
export interface NativeBucketJson {
  kind: 'bucket';
  max_bucket_tokens?: number;
  tokens_fill_rate?: number;
  tokens_fill_time?: FillTime;
  token_costs?: TokenCosts;
  /** Kazoo's application ("crossbar", "callflow"), set by kazoo-format.ts. */
  application?: string;
}
export interface NativeCarriersJson { kind: 'carriers'; carriers: Array<{ name: string; max: number }>; lease: string }
export interface NativeSharedJson { kind: 'shared'; rate: number; per: string; burst?: number; member: NativeKeyPartJson; share: number; ceil?: number }

/** One item of "limits" after schema validation. */
export type NativeLimitJson =
  | string
  | NativeWindowJson
  | NativeIntervalJson
  | NativeConcurrentJson
  | NativeBucketJson
  | NativeCarriersJson
  | NativeSharedJson;
