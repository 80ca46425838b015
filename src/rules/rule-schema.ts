/**
 * JSON Schemas of the two rule formats, compiled once. Shape only: what JSON Schema cannot say
 * well (durations, route parameters, duplicates) is checked in parse-rules.ts with the same
 * file + JSONPath + reason error. docs/rules.md describes the formats for humans.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { MAX_LIMIT_COUNT } from './rule.js';
import { pointerToPath } from './rule-file-error.js';
import { KEY_REF, keyPartObject, limitItemSchema, type NativeKeyPartJson, type NativeLimitJson, type NormalizeName } from './limit-schema.js';

export type { NativeKeyPartJson, NativeLimitJson, NormalizeName } from './limit-schema.js';
/** The most requests a delaying rule holds per key on one instance. */
export const MAX_DELAY_QUEUE = 10_000;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
/** An allow or deny list: normalised keys, or prefixes ending in "*" ("+1900*"). */
const LIST = { type: 'array', maxItems: 10_000, items: { type: 'string', minLength: 1, maxLength: 256 } } as const;
const method = { type: 'string', enum: ['*', ...METHODS, ...METHODS.map((m) => m.toLowerCase())] };

export const nativeRulesSchema = {
  $id: 'https://tollgate.dev/schemas/rules.json',
  type: 'object',
  required: ['rules'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    description: { type: 'string' },
    allow: LIST,
    deny: LIST,
    rules: {
      type: 'array',
      items: {
        type: 'object',
        // "key" may be omitted by a bucket rule only (parse-limits.ts gives it Kazoo's ip + account).
        required: ['id', 'match', 'limits'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:/#-]{0,127}$' },
          description: { type: 'string' },
          match: {
            type: 'object',
            required: ['path'],
            additionalProperties: false,
            properties: {
              method: { anyOf: [method, { type: 'array', minItems: 1, items: method }] },
              path: { type: 'string', pattern: '^/[^\\s?#]*$' },
            },
          },
          key: {
            anyOf: [
              { type: 'string', pattern: KEY_REF },
              {
                type: 'array',
                minItems: 1,
                maxItems: 4,
                items: {
                  anyOf: [{ type: 'string', pattern: KEY_REF }, keyPartObject(KEY_REF)],
                },
              },
            ],
          },
          normalize: { enum: ['e164', 'email', 'lowercase'] },
          stripPlusTag: { type: 'boolean' },
          limits: {
            type: 'array',
            minItems: 1,
            maxItems: 8,
            // A sliding window {"count", "window"}, an interval "2/30" (FreeSWITCH's syntax), or a limit
            // picked by its "kind" (limit-schema.ts).
            items: limitItemSchema,
          },
          // Over the limit: "reject" (the default), "mark" (let through with Throttle-Status: exceeded),
          // or hold the request up to maxWait ({"kind": "delay"}): the QoS notes' drop, mark, delay.
          action: {
            if: { type: 'string' },
            then: { enum: ['reject', 'mark'] },
            else: {
              allOf: [
                { type: 'object', required: ['kind'], properties: { kind: { const: 'delay' } } },
                {
                  type: 'object',
                  required: ['kind', 'maxWait'],
                  additionalProperties: false,
                  properties: { kind: { const: 'delay' }, maxWait: { type: 'string' }, maxQueue: { type: 'integer', minimum: 1, maximum: MAX_DELAY_QUEUE } },
                },
              ],
            },
          },
          consistency: { enum: ['exact', 'fast'] },
          onLimit: {
            type: 'object',
            required: ['announceUrl'],
            additionalProperties: false,
            properties: { announceUrl: { type: 'string', minLength: 1, maxLength: 2048 } },
          },
          error: {
            type: 'object',
            additionalProperties: false,
            properties: {
              status: { type: 'integer', minimum: 400, maximum: 599 },
              code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]{0,63}$' },
              message: { type: 'string', minLength: 1, maxLength: 500 },
            },
          },
          onMissingKey: { enum: ['skip', 'reject'] },
          onStoreError: { enum: ['allow', 'deny', 'local'] },
          mode: { enum: ['enforce', 'shadow'] },
          allow: LIST,
          deny: LIST,
        },
      },
    },
  },
} as const;

/** The design notes' system_settings document: {"api": {"/path": [{caller, request-count, time}]}}. */
export const systemSettingsSchema = {
  $id: 'https://tollgate.dev/schemas/system-settings.json',
  type: 'object',
  required: ['api'],
  additionalProperties: false,
  properties: {
    api: {
      type: 'object',
      minProperties: 1,
      propertyNames: { pattern: '^/[^\\s?#]*$' },
      additionalProperties: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['caller', 'request-count', 'time'],
          additionalProperties: false,
          properties: {
            caller: { enum: ['phone', 'email', 'userId', 'token'] },
            'request-count': { type: 'integer', minimum: 1, maximum: MAX_LIMIT_COUNT },
            time: { type: 'integer', minimum: 1, maximum: 44_640 },
          },
        },
      },
    },
  },
} as const;

/** The native format after schema validation: the shape the JSON Schema guarantees. */
export interface NativeRuleJson {
  id: string;
  match: { method?: string | string[]; path: string };
  /** Absent only in a bucket rule (its default is ["ip", "param.accountId?"]). */
  key?: string | NativeKeyPartJson[];
  normalize?: NormalizeName;
  stripPlusTag?: boolean;
  limits: NativeLimitJson[];
  action?: 'reject' | 'mark' | { kind: 'delay'; maxWait: string; maxQueue?: number };
  consistency?: 'exact' | 'fast';
  onLimit?: { announceUrl: string };
  error?: { status?: number; code?: string; message?: string };
  onMissingKey?: 'skip' | 'reject';
  onStoreError?: 'allow' | 'deny' | 'local';
  mode?: 'enforce' | 'shadow';
  allow?: string[];
  deny?: string[];
}

const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
export const validateNative = ajv.compile(nativeRulesSchema);
export const validateSystemSettings = ajv.compile(systemSettingsSchema);

/** One ajv error as a JSONPath and a sentence a rule author can act on. */
export function describeSchemaError(error: ErrorObject): { path: string; reason: string } {
  const path = pointerToPath(error.instancePath);
  const params = error.params as Record<string, unknown>;
  if (error.propertyName !== undefined) return { path, reason: `API path "${error.propertyName}" must start with "/" and hold no spaces, "?" or "#"` };
  if (/\.method(\[\d+\])?$/.test(path)) return { path, reason: 'must be an HTTP method (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS), "*", or a list of methods' };
  switch (error.keyword) {
    case 'required':
      return { path, reason: `missing required property "${String(params.missingProperty)}"` };
    case 'additionalProperties':
      return { path, reason: `unknown property "${String(params.additionalProperty)}"` };
    case 'enum':
      return { path, reason: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'pattern':
    case 'anyOf':
    case 'type':
    case 'const':
      return { path, reason: describeShape(path) ?? error.message ?? error.keyword };
    default:
      return { path, reason: error.message ?? error.keyword };
  }
}

/** What a string at this place must look like, for pattern and anyOf failures. */
function describeShape(path: string): string | undefined {
  if (/\.key(\[\d+\])?(\.from)?$/.test(path)) {
    return 'must be a key reference such as "body.phone", "header.x-account-id", "query.to", "param.accountId", "ip", "token" or "global" (a trailing "?" marks a part optional: "param.accountId?"), a list of them, or a list of {"from", "normalize"} objects';
  }
  if (/\.member(\.from)?$/.test(path)) {
    return 'must be a key reference such as "header.x-device-id", "body.deviceId", "query.device", "param.deviceId", "ip" or "token", or {"from", "normalize"}';
  }
  if (/\.carriers\[\d+\]\.name$/.test(path)) return 'must be 1-64 characters of letters, digits and _ . -, starting with a letter or digit';
  if (/\.token_costs$/.test(path)) return 'must be a number >= 0 or an object of them';
  if (/\.application$/.test(path)) return 'must be 1-64 characters of letters, digits and _ . -, starting with a letter or digit';
  if (/\.action(\.kind)?$/.test(path)) return 'must be "reject", "mark" or {"kind": "delay", "maxWait": "2s", "maxQueue": 100}';
  if (path.endsWith('.id')) return 'must be 1-128 characters of letters, digits and _ . : / # -, starting with a letter or digit';
  if (path.endsWith('.match.path')) return 'must start with "/" and hold no spaces, "?" or "#"';
  if (/\.limits\[\d+\](\.interval)?$/.test(path)) return 'must be an interval "N/S" (at most N new within S seconds, e.g. "2/30"), or {"count", "window"}';
  if (path.endsWith('.error.code')) return 'must be UPPER_SNAKE_CASE (A-Z, 0-9 and _), e.g. "REQUEST_LIMIT_REACHED"';
  return undefined;
}
