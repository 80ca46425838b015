/**
 * The OpenAPI 3.1 description of the routes tollgate serves, served at GET /openapi.json and
 * fuzzed by scripts/fuzz.sh (schemathesis) against the real service. It is built from what the
 * code itself uses, so it cannot drift: the request body is signupBodySchema (the schema
 * validateBody checks), the route paths are ROUTES, the error body follows render-error.ts with
 * the code and rule-id patterns of the rule schema, and the 201 and /healthz bodies are tied to
 * SignupResponse and HealthReport by the compiler (a field added there fails the type check here).
 */
import { signupBodySchema } from '../domains/signup/signup-schema.js';
import type { SignupResponse } from '../domains/signup/signup.js';
import type { ErrorCode } from '../errors.js';
import { MAX_LIMIT_COUNT } from '../rules/rule.js';
import { nativeRulesSchema } from '../rules/rule-schema.js';
import { MAX_BODY_BYTES } from './json-body.js';
import type { HealthReport } from './routes.js';

export type JsonSchema = Record<string, unknown>;

/** The paths the document describes: routes.ts passes its ROUTES. */
export interface OpenApiRoutes {
  readonly health: string;
  readonly signup: string;
  readonly openapi: string;
}

const ruleSchema = nativeRulesSchema.properties.rules.items.properties;

/** Every code a caller can see, and when (the docs/errors.md table, kept exhaustive by the compiler). */
const ERROR_CODES: Record<ErrorCode, string> = {
  REQUEST_LIMIT_REACHED: 'a rule\'s limit is used up for this key (a rule may rename this code)',
  INVALID_REQUEST: 'the body is not JSON, breaks the schema, or holds a key that cannot be normalised; nothing was counted or written',
  UNAUTHORIZED: 'an admin route without a valid admin bearer token',
  PAYLOAD_TOO_LARGE: `the body is over ${MAX_BODY_BYTES} bytes`,
  UNSUPPORTED_MEDIA_TYPE: 'the body is not application/json',
  NOT_FOUND: 'no route has this path (routes are case-sensitive and strict about trailing slashes)',
  METHOD_NOT_ALLOWED: 'the route exists, not for this method (405 with Allow, for any method Node parses)',
  THROTTLE_UNAVAILABLE: 'Cassandra failed or missed the decision deadline and a matching rule says onStoreError: "deny"',
  SERVICE_UNAVAILABLE: 'the signup could not be stored (Cassandra unreachable, quorum lost or too slow); Retry-After: 1',
  INTERNAL: 'a bug or an unexpected failure; the body shows no internals',
};

/** The one error body, as http/render-error.ts renders it. */
const errorBodySchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      additionalProperties: false,
      required: ['code', 'message'],
      properties: {
        code: {
          // One of ERROR_CODES, or the code a rule gives its own limit error (error.code in the rule).
          type: 'string',
          pattern: ruleSchema.error.properties.code.pattern,
          description: Object.entries(ERROR_CODES).map(([code, meaning]) => `${code}: ${meaning}.`).join(' '),
        },
        message: { type: 'string', minLength: 1 },
        field: { type: 'string', description: 'The request field at fault (INVALID_REQUEST): phone, body, query.to, ...' },
        rule: { type: 'string', pattern: ruleSchema.id.pattern, description: 'The rule whose limit is used up.' },
        limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT_COUNT, description: 'The count of the window that is full.' },
        window: { type: 'string', minLength: 1, description: 'That window, as the rule writes it (1h, 24h, 90s, ...).' },
        retryAfter: { type: 'integer', minimum: 1, description: 'Seconds until the request would fit; the same as Retry-After.' },
      },
      // A limit error says all four or none.
      dependentRequired: {
        rule: ['limit', 'window', 'retryAfter'],
        limit: ['rule', 'window', 'retryAfter'],
        window: ['rule', 'limit', 'retryAfter'],
        retryAfter: ['rule', 'limit', 'window'],
      },
    },
  },
};

// draft-ietf-httpapi-ratelimit-headers-11, as engine/verdict-response.ts writes them.
const policyItem = '"[^"\\\\]+";q=[0-9]+;w=[0-9]+';
const stateItem = '"[^"\\\\]+";r=[0-9]+;t=[0-9]+';
const listOf = (item: string) => `^${item}(, ${item})*$`;

const headers = {
  retryAfter: (description: string) => ({ required: true, description, schema: { type: 'integer', minimum: 1 } }),
  rateLimitPolicy: (required: boolean) => ({
    required,
    description: 'One policy per rule window: q is the quota, w the window in seconds.',
    schema: { type: 'string', pattern: listOf(policyItem) },
  }),
  rateLimit: (required: boolean) => ({
    required,
    description: 'Per rule window: r is what is left after this request, t the seconds until the next counted call leaves the window.',
    schema: { type: 'string', pattern: listOf(stateItem) },
  }),
};

const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const errorResponse = (description: string, extra: Record<string, unknown> = {}) => ({
  description,
  content: json({ $ref: '#/components/schemas/Error' }),
  ...extra,
});

/** The 201 body, one schema per field of SignupResponse (a missing or extra field does not compile). */
const signupResponseProperties: Record<keyof SignupResponse, JsonSchema> = {
  id: { type: 'string', format: 'uuid' },
  phone: { type: ['string', 'null'], pattern: '^\\+[1-9][0-9]{1,14}$', description: 'E.164, or null when none was sent.' },
  email: { type: ['string', 'null'], pattern: '^[^@]+@[^@]+$', description: 'Trimmed and lower-cased, plus-tag kept; null when none was sent.' },
  createdAt: { type: 'string', format: 'date-time' },
};

const healthStatuses: Record<HealthReport['status'], number> = { ok: 200, unavailable: 503 };
const healthStores: Record<HealthReport['store'], true> = { cassandra: true, memory: true };
const healthSchema = (status: HealthReport['status']): JsonSchema => ({
  type: 'object',
  additionalProperties: false,
  required: ['status', 'store'],
  properties: { status: { const: status }, store: { enum: Object.keys(healthStores) } },
});

/** Builds the document; the routes come from routes.ts so the paths are the ones the router serves. */
export function buildOpenApiDocument(routes: OpenApiRoutes): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'tollgate',
      version: '0.1.0',
      description:
        'A throttling service backed by Apache Cassandra. Every error has the body {"error": {"code", "message", ...}} ' +
        '(components.schemas.Error). Paths and methods that are not described here answer 404 NOT_FOUND, ' +
        '405 METHOD_NOT_ALLOWED with Allow, or 501 for unknown methods (components.responses).',
    },
    paths: {
      [routes.signup]: {
        post: {
          operationId: 'signup',
          summary: 'Sign up with a phone number and/or an email, throttled per phone and per email',
          description:
            'Runs validation, then the throttle, then the handler. A rejected body (400, 413, 415) is never counted or written. ' +
            'A rule may give its limit error another status and code; with the shipped rules it is 429.',
          requestBody: {
            required: true,
            description: `JSON of ${MAX_BODY_BYTES} bytes at most.`,
            content: {
              'application/json': {
                schema: structuredClone(signupBodySchema) as unknown as JsonSchema,
                examples: {
                  phone: { summary: 'A phone number, in any spelling', value: { phone: '+1 (415) 555-1212', name: 'Alice' } },
                  email: { summary: 'An email address', value: { email: 'Alice+News@Example.com' } },
                  both: { summary: 'Both, each counted by its own rule', value: { phone: '415-555-0100', email: 'bob@example.org', name: 'Bob' } },
                },
              },
            },
          },
          responses: {
            '201': {
              description: 'Signed up. The RateLimit fields are there when a rule counted the request.',
              headers: { 'RateLimit-Policy': headers.rateLimitPolicy(false), RateLimit: headers.rateLimit(false) },
              content: json({
                type: 'object',
                additionalProperties: false,
                required: Object.keys(signupResponseProperties),
                properties: signupResponseProperties,
              }),
            },
            '400': errorResponse('INVALID_REQUEST: not JSON, breaks the schema, or a phone number or email that cannot be normalised. `field` names it.'),
            '413': errorResponse(`PAYLOAD_TOO_LARGE: the body is over ${MAX_BODY_BYTES} bytes.`),
            '415': errorResponse('UNSUPPORTED_MEDIA_TYPE: the body is not application/json.'),
            '429': {
              description: 'REQUEST_LIMIT_REACHED (or the rule\'s own code): a limit is used up for this phone number or email.',
              headers: {
                'Retry-After': headers.retryAfter('Seconds until the request would fit.'),
                'RateLimit-Policy': headers.rateLimitPolicy(true),
                RateLimit: headers.rateLimit(true),
              },
              content: json({
                allOf: [
                  { $ref: '#/components/schemas/Error' },
                  { properties: { error: { required: ['rule', 'limit', 'window', 'retryAfter'] } } },
                ],
              }),
            },
            '500': errorResponse('INTERNAL: an unexpected failure.'),
            '503': errorResponse('THROTTLE_UNAVAILABLE: the store failed and a matching rule says onStoreError: "deny".', {
              headers: { 'Retry-After': headers.retryAfter('Retry shortly (1 s).') },
            }),
          },
        },
      },
      [routes.health]: {
        get: {
          operationId: 'health',
          summary: 'Whether the store answers',
          responses: {
            [String(healthStatuses.ok)]: { description: 'The store answers.', content: json(healthSchema('ok')) },
            [String(healthStatuses.unavailable)]: { description: 'Cassandra does not answer.', content: json(healthSchema('unavailable')) },
            '500': errorResponse('INTERNAL: an unexpected failure.'),
          },
        },
      },
      [routes.openapi]: {
        get: {
          operationId: 'openapi',
          summary: 'This document',
          responses: {
            '200': {
              description: 'The OpenAPI 3.1 document.',
              content: json({
                type: 'object',
                required: ['openapi', 'info', 'paths'],
                properties: { openapi: { type: 'string', pattern: '^3\\.1\\.[0-9]+$' }, info: { type: 'object' }, paths: { type: 'object' } },
              }),
            },
            '500': errorResponse('INTERNAL: an unexpected failure.'),
          },
        },
      },
    },
    components: {
      schemas: { Error: errorBodySchema },
      responses: {
        NotFound: errorResponse(`NOT_FOUND: ${ERROR_CODES.NOT_FOUND}. Answered for any path not described here.`),
        MethodNotAllowed: errorResponse('METHOD_NOT_ALLOWED (405): the route exists, not for this method.', {
          headers: { Allow: { required: true, description: 'The methods the route takes.', schema: { type: 'string', minLength: 1 } } },
        }),
        NotImplemented: errorResponse('METHOD_NOT_ALLOWED (501): a method the router does not implement at all.', {
          headers: { Allow: { required: false, description: 'The methods the route takes, when the path is a route.', schema: { type: 'string' } } },
        }),
      },
    },
  };
}

const built = new WeakMap<OpenApiRoutes, Record<string, unknown>>();

/** The document for these routes, built once. */
export function openApiDocument(routes: OpenApiRoutes): Record<string, unknown> {
  let document = built.get(routes);
  if (!document) built.set(routes, (document = buildOpenApiDocument(routes)));
  return document;
}
