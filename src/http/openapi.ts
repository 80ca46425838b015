/**
 * The OpenAPI 3.1 description of the routes tollgate serves, served at GET /openapi.json and
 * fuzzed by scripts/fuzz.sh (schemathesis) against the real service. It is derived from the route
 * registry (api-route.ts), so it cannot drift: each operation's body and query are the schemas
 * the edge validates with, its own responses are the route's, and the errors every route of its
 * kind can answer (bad input, credentials, unknown resource, limits, store) are added from what
 * the chain in mount-routes.ts does. The error body follows render-error.ts with the code and
 * rule-id patterns of the rule schema.
 */
import type { ErrorCode } from '../errors.js';
import type { ApiRoute } from './api-route.js';
import { MAX_LIMIT_COUNT } from '../rules/rule.js';
import { nativeRulesSchema } from '../rules/rule-schema.js';
import { MAX_BODY_BYTES } from './json-body.js';
export type JsonSchema = Record<string, unknown>;

const ruleSchema = nativeRulesSchema.properties.rules.items.properties;

/** Every code a caller can see, and when (the docs/errors.md table, kept exhaustive by the compiler). */
const ERROR_CODES: Record<ErrorCode, string> = {
  REQUEST_LIMIT_REACHED: 'a rule\'s limit is used up for this key (a rule may rename this code)',
  INVALID_REQUEST: 'the body is not JSON, breaks the schema, or holds a key that cannot be normalised; nothing was counted or written',
  UNAUTHORIZED: 'an admin route without a valid admin bearer token',
  INVALID_RULE: 'a rule or setting sent to the admin API does not validate; `field` is its JSON path and nothing changed',
  PRECONDITION_FAILED: 'If-Match names a rule-set version that is no longer the one in force (another change came first); nothing changed',
  UNAUTHENTICATED: 'an account route without a valid account token (Bearer authToken, or Basic accountId:authToken), or a decision route without the service token (Bearer DECISION_TOKEN)',
  FORBIDDEN: 'the path names another account than the token\'s',
  CALL_ENDED: 'the call has ended: no recording or transcription can start on it',
  CONFERENCE_ENDED: 'the conference has ended: nobody can join it and its announcement cannot change',
  STATE_CONFLICT: 'the resource is not in a state that allows this change',
  PAYLOAD_TOO_LARGE: `the body is over ${MAX_BODY_BYTES} bytes`,
  UNSUPPORTED_MEDIA_TYPE: 'the body is not application/json',
  NOT_FOUND: 'no route has this path (routes are case-sensitive and strict about trailing slashes), or no resource of the caller\'s account has this sid',
  METHOD_NOT_ALLOWED: 'the route exists, not for this method (405 with Allow, for any method Node parses)',
  THROTTLE_UNAVAILABLE: 'Cassandra failed or missed the decision deadline and a matching rule says onStoreError: "deny"',
  ALL_CARRIERS_BUSY: 'every carrier of a carrier rule has its maximum of calls at once (FreeSWITCH limit_execute in succession); a call that ends frees one; Retry-After: 1',
  SERVICE_UNAVAILABLE: 'the data could not be read or stored (Cassandra unreachable, quorum lost or too slow); Retry-After: 1',
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
        rule: { type: 'string', pattern: ruleSchema.id.pattern, description: 'The rule whose limit is used up, or whose deny list holds the key.' },
        listed: { const: 'deny', description: 'The key is on a deny list (of the rule, or global): waiting does not help.' },
        limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT_COUNT, description: 'The count of the window that is full.' },
        window: { type: 'string', minLength: 1, description: 'That window, as the rule writes it (1h, 24h, 90s, ...).' },
        retryAfter: { type: 'integer', minimum: 1, description: 'Seconds until the request would fit; the same as Retry-After.' },
      },
      // A limit error says all four or none; a deny-listed key says rule and listed.
      dependentRequired: {
        listed: ['rule'],
        limit: ['rule', 'window', 'retryAfter'],
        window: ['rule', 'limit', 'retryAfter'],
        retryAfter: ['rule', 'limit', 'window'],
      },
    },
  },
};

// draft-ietf-httpapi-ratelimit-headers-11, as http/verdict-response.ts writes them.
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

const limited = (description: string) => ({
  description: `${description} A key on a deny list is refused with the rule's error too, with \`listed\` and without the rate-limit headers.`,
  headers: {
    'Retry-After': { ...headers.retryAfter('Seconds until the request would fit (absent for a deny-listed key).'), required: false },
    'RateLimit-Policy': headers.rateLimitPolicy(false),
    RateLimit: headers.rateLimit(false),
  },
  content: json({ allOf: [{ $ref: '#/components/schemas/Error' }, { properties: { error: { required: ['rule'] } } }] }),
});

/** "/v1/accounts/:accountId/calls" -> "/v1/accounts/{accountId}/calls". */
export const openApiPath = (koaPath: string) => koaPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
const pathParams = (koaPath: string) => [...koaPath.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
/** A TypeBox schema as plain JSON (its Symbol keys dropped). */
const plain = (schema: unknown): JsonSchema => JSON.parse(JSON.stringify(schema)) as JsonSchema;

function operation(route: ApiRoute): Record<string, unknown> {
  const params = pathParams(route.path);
  const responses: Record<string, unknown> = {};
  for (const [status, doc] of Object.entries(route.responses)) {
    const ok = Number(status) < 300;
    const rateLimit = ok && route.throttled ? { 'RateLimit-Policy': headers.rateLimitPolicy(false), RateLimit: headers.rateLimit(false) } : {};
    const allHeaders = { ...rateLimit, ...(doc.headers ?? {}) };
    responses[status] = {
      description: doc.description,
      ...(Object.keys(allHeaders).length > 0 ? { headers: allHeaders } : {}),
      ...(doc.content ? { content: doc.content } : doc.schema ? { content: json(plain(doc.schema)) } : {}),
    };
  }
  const add = (status: number, response: unknown) => {
    responses[String(status)] ??= response;
  };
  if (route.body || route.query || route.throttled) {
    add(400, errorResponse('INVALID_REQUEST: the body or query breaks the schema, or a key a rule reads cannot be normalised. `field` names it. Nothing was counted or written.'));
  }
  if (route.auth === 'account') {
    add(401, errorResponse('UNAUTHENTICATED: no valid account token.', { headers: { 'WWW-Authenticate': { required: true, schema: { type: 'string' } } } }));
    if (params.includes('accountId')) add(403, errorResponse('FORBIDDEN: the token belongs to another account than the path names.'));
  }
  if (route.auth === 'admin') add(401, errorResponse('UNAUTHORIZED: no valid admin bearer token.', { headers: { 'WWW-Authenticate': { required: true, schema: { type: 'string' } } } }));
  if (route.auth === 'service') add(401, errorResponse('UNAUTHENTICATED: no valid service bearer token (DECISION_TOKEN).', { headers: { 'WWW-Authenticate': { required: true, schema: { type: 'string' } } } }));
  if (params.some((p) => p !== 'accountId')) add(404, errorResponse('NOT_FOUND: no resource of this account has that sid.'));
  if (route.body) {
    add(413, errorResponse(`PAYLOAD_TOO_LARGE: the body is over ${MAX_BODY_BYTES} bytes.`));
    add(415, errorResponse('UNSUPPORTED_MEDIA_TYPE: the body is not application/json.'));
  }
  if (route.throttled || route.auth === 'account') {
    add(429, limited(`REQUEST_LIMIT_REACHED (or the rule's own code): ${route.throttled ? 'a rule on this route, or ' : ''}the failed-authentication limit of the client address, is used up.`));
  }
  add(500, errorResponse('INTERNAL: an unexpected failure.'));
  if (route.throttled || route.auth !== 'none') {
    add(503, errorResponse(`THROTTLE_UNAVAILABLE (the rate limiter's store failed and a rule says onStoreError: "deny")${route.throttled ? ', ALL_CARRIERS_BUSY (every carrier of a carrier rule is full)' : ''} or SERVICE_UNAVAILABLE (the data store did not answer).`, {
      headers: { 'Retry-After': headers.retryAfter('Retry shortly (1 s).') },
    }));
  }
  const parameters = [
    ...params.map((name) => ({ name, in: 'path', required: true, schema: route.params?.[name] ?? { type: 'string', minLength: 1 } })),
    ...Object.entries<JsonSchema>((plain(route.query ?? {}).properties as Record<string, JsonSchema> | undefined) ?? {}).map(([name, schema]) => ({
      name,
      in: 'query',
      required: ((plain(route.query).required as string[] | undefined) ?? []).includes(name),
      ...(typeof schema.description === 'string' ? { description: schema.description } : {}),
      schema,
    })),
  ];
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    ...(route.description ? { description: route.description } : {}),
    ...(route.auth === 'none' ? { security: [] } : route.auth === 'admin' ? { security: [{ adminToken: [] }] } : route.auth === 'service' ? { security: [{ serviceToken: [] }] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: route.bodyRequired !== false,
            description: `JSON of ${MAX_BODY_BYTES} bytes at most.`,
            content: { 'application/json': { schema: plain(route.body), ...(route.bodyExamples ? { examples: route.bodyExamples } : {}) } },
          },
        }
      : {}),
    responses,
  };
}

/** Builds the document for the routes served. */
export function buildOpenApiDocument(routes: readonly ApiRoute[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const item = (paths[openApiPath(route.path)] ??= {});
    item[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'tollgate',
      version: '0.2.0',
      description:
        'A throttling service backed by Apache Cassandra, guarding signup and a VoIP platform\'s voice, conference and CDR APIs. ' +
        'Every error has the body {"error": {"code", "message", ...}} (components.schemas.Error). Account routes take ' +
        '`Authorization: Bearer <authToken>` or HTTP Basic `accountId:authToken`. Paths and methods that are not described here answer 404 NOT_FOUND, ' +
        '405 METHOD_NOT_ALLOWED with Allow, or 501 for unknown methods (components.responses).',
    },
    security: [{ accountToken: [] }, { accountBasic: [] }],
    paths,
    components: {
      securitySchemes: {
        accountToken: { type: 'http', scheme: 'bearer', description: 'The authToken POST /v1/accounts returned.' },
        accountBasic: { type: 'http', scheme: 'basic', description: 'accountId as the user name, authToken as the password.' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN.' },
        serviceToken: { type: 'http', scheme: 'bearer', description: 'DECISION_TOKEN: the decision API, for the components that ask tollgate (an SBC, a proxy).' },
      },
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

/** Every code a caller can see, and what it means: docs/errors.md lists the same. */
export const errorCodeMeanings: Readonly<Record<ErrorCode, string>> = ERROR_CODES;
