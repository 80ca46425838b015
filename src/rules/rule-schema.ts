/**
 * JSON Schemas of the two rule formats, compiled once. Shape only: what JSON Schema cannot say
 * well (durations, route parameters, duplicates) is checked in parse-rules.ts with the same
 * file + JSONPath + reason error. docs/rules.md describes the formats for humans.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { MAX_LIMIT_COUNT } from './rule.js';
import { pointerToPath } from './rule-file-error.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
/** "2/30": at most 2 new within 30 seconds (FreeSWITCH's interval limits). */
const INTERVAL = '^[1-9][0-9]{0,3}/[1-9][0-9]{0,7}$';
/** An allow or deny list: normalised keys, or prefixes ending in "*" ("+1900*"). */
const LIST = { type: 'array', maxItems: 10_000, items: { type: 'string', minLength: 1, maxLength: 256 } } as const;
const KEY_REF = '^(?:(?:body|header|query|param)\\.[A-Za-z0-9_$-]+(?:\\.[A-Za-z0-9_$-]+)*|ip|token)$';
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
        required: ['id', 'match', 'key', 'limits'],
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
                  anyOf: [
                    { type: 'string', pattern: KEY_REF },
                    {
                      type: 'object',
                      required: ['from'],
                      additionalProperties: false,
                      properties: {
                        from: { type: 'string', pattern: KEY_REF },
                        normalize: { enum: ['e164', 'email', 'lowercase'] },
                        stripPlusTag: { type: 'boolean' },
                      },
                    },
                  ],
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
            // A sliding window {"count", "window"}, or an interval in the FreeSWITCH notes' syntax:
            // "2/30" (at most 2 new within 30 seconds), alone or as {"kind": "interval", "interval": "2/30"}.
            items: {
              if: { type: 'string' },
              then: { type: 'string', pattern: INTERVAL },
              else: {
                if: { type: 'object', required: ['kind'], properties: { kind: { const: 'interval' } } },
                then: {
                  type: 'object',
                  required: ['kind', 'interval'],
                  additionalProperties: false,
                  properties: { kind: { const: 'interval' }, interval: { type: 'string', pattern: INTERVAL } },
                },
                else: {
                 if: { type: 'object', required: ['kind'], properties: { kind: { const: 'concurrent' } } },
                 // At most `max` at once (calls of an account, participants of a room), each slot held until
                 // the resource ends or its `lease` runs out.
                 then: {
                  type: 'object',
                  required: ['kind', 'max', 'lease'],
                  additionalProperties: false,
                  properties: { kind: { const: 'concurrent' }, max: { type: 'integer', minimum: 1, maximum: MAX_LIMIT_COUNT }, lease: { type: 'string' } },
                 },
                 else: {
                  type: 'object',
                  required: ['count', 'window'],
                  additionalProperties: false,
                  properties: {
                    kind: { const: 'window' },
                    count: { type: 'integer', minimum: 1, maximum: MAX_LIMIT_COUNT },
                    window: { type: 'string' },
                  },
                 },
                },
              },
            },
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
  key: string | Array<string | { from: string; normalize?: NormalizeName; stripPlusTag?: boolean }>;
  normalize?: NormalizeName;
  stripPlusTag?: boolean;
  limits: Array<{ kind?: 'window'; count: number; window: string } | { kind: 'interval'; interval: string } | { kind: 'concurrent'; max: number; lease: string } | string>;
  error?: { status?: number; code?: string; message?: string };
  onMissingKey?: 'skip' | 'reject';
  onStoreError?: 'allow' | 'deny' | 'local';
  mode?: 'enforce' | 'shadow';
  allow?: string[];
  deny?: string[];
}
export type NormalizeName = 'e164' | 'email' | 'lowercase';

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
      return { path, reason: describeShape(path) ?? error.message ?? error.keyword };
    default:
      return { path, reason: error.message ?? error.keyword };
  }
}

/** What a string at this place must look like, for pattern and anyOf failures. */
function describeShape(path: string): string | undefined {
  if (/\.key(\[\d+\])?(\.from)?$/.test(path)) {
    return 'must be a key reference such as "body.phone", "header.x-account-id", "query.to", "param.accountId", "ip" or "token", a list of them, or a list of {"from", "normalize"} objects';
  }
  if (path.endsWith('.id')) return 'must be 1-128 characters of letters, digits and _ . : / # -, starting with a letter or digit';
  if (path.endsWith('.match.path')) return 'must start with "/" and hold no spaces, "?" or "#"';
  if (/\.limits\[\d+\](\.interval)?$/.test(path)) return 'must be an interval "N/S" (at most N new within S seconds, e.g. "2/30"), or {"count", "window"}';
  if (path.endsWith('.error.code')) return 'must be UPPER_SNAKE_CASE (A-Z, 0-9 and _), e.g. "REQUEST_LIMIT_REACHED"';
  return undefined;
}
