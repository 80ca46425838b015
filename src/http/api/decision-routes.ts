/**
 * The decision API: what an SBC or a proxy asks tollgate about a request it is about to accept,
 * without a protected handler behind it. POST /v1/throttle/check answers one check, .../batch up to
 * 1000 in order. A refusal is still 200: the body is an answer to a question, the caller enforces
 * it (Retry-After says when a refused check would fit). These routes are not guarded by rules
 * themselves and take the service token (DECISION_TOKEN).
 *
 * The body is checked by hand (checkBody) rather than by the compiled schema, which documents it:
 * "exactly one of two forms" and fields named by array item (`checks[3].kind`) are what a schema
 * says badly, and this path is benchmarked at 10,000 checks a second. A test holds the two together.
 */
import { isIP } from 'node:net';
import { Type, type Static } from '@sinclair/typebox';
import { checkAll, type DecisionAnswer, type DecisionService, type GenericCheck, type PacketCheck } from '../../domains/decisions/decision-service.js';
import { invalidRequest } from '../../errors.js';
import { MEMBER_REF } from '../../rules/limit-schema.js';
import { defineRoute, json, type ApiRoute } from '../api-route.js';

export const MAX_BATCH_CHECKS = 1000;
/** The most messages (count) or tokens (cost) one check may ask for. */
export const MAX_CHECK_AMOUNT = 1000;
const MAX_ID_LENGTH = 256;
const MAX_KEYS = 32;
const MAX_KEY_VALUE_LENGTH = 1024;
const KINDS: readonly string[] = ['registration', 'invite', 'packet'];
const METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const KEY_NAME = new RegExp(MEMBER_REF);
const PACKET_FIELDS = new Set(['account', 'device', 'kind', 'ip', 'count']);
const GENERIC_FIELDS = new Set(['api', 'method', 'keys', 'cost']);

const id = (description: string) => Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH, description });
const amount = (minimum: number, description: string) => Type.Integer({ minimum, maximum: MAX_CHECK_AMOUNT, description });

export const packetCheckSchema = Type.Object(
  {
    account: id('The account the SIP message belongs to.'),
    device: Type.Optional(id('The device that sent it (its own limits apply too).')),
    kind: Type.Union([Type.Literal('registration'), Type.Literal('invite'), Type.Literal('packet')], { description: 'Which limits count it (registrations, invites, total packets).' }),
    ip: Type.Optional(Type.Union([Type.String({ format: 'ipv4' }), Type.String({ format: 'ipv6' })], { description: 'The source address (kept in decision events only as its HMAC).' })),
    count: Type.Optional(amount(1, 'How many messages (default 1).')),
  },
  { additionalProperties: false, description: 'A SIP message an SBC is about to accept (the rate_limits documents of accounts and devices).' },
);

export const genericCheckSchema = Type.Object(
  {
    api: Type.String({ minLength: 1, maxLength: 512, pattern: '^/', description: 'The route pattern whose rules decide ("/v1/accounts/:accountId/calls").' }),
    method: Type.Optional(Type.Union(METHODS.map((m) => Type.Literal(m)), { description: 'Default POST.' })),
    keys: Type.Record(Type.String({ pattern: MEMBER_REF }), Type.String({ minLength: 1, maxLength: MAX_KEY_VALUE_LENGTH }), {
      maxProperties: MAX_KEYS,
      additionalProperties: false,
      description: 'Key parts by their rule spelling: "body.phone", "header.x-device-id", "param.accountId", "ip", "token".',
    }),
    cost: Type.Optional(amount(0, 'Tokens for bucket rules (default: the rule\'s token_costs).')),
  },
  { additionalProperties: false, description: 'The rules of one API, with the keys given directly.' },
);

export const checkSchema = Type.Union([packetCheckSchema, genericCheckSchema]);
export const batchSchema = Type.Object({ checks: Type.Array(checkSchema, { minItems: 1, maxItems: MAX_BATCH_CHECKS }) }, { additionalProperties: false });
type Check = Static<typeof checkSchema>;

const answerSchema = Type.Object(
  {
    allowed: Type.Boolean(),
    limit: Type.Number({ minimum: 0, description: 'The binding limit (the one that refused, else the one closest to refusing); 0 when none applies.' }),
    remaining: Type.Number({ minimum: 0 }),
    retryAfter: Type.Number({ minimum: 0, description: 'Seconds until a refused check would fit; 0 when allowed.' }),
    rule: Type.Union([Type.String(), Type.Null()], { description: 'The binding rule or document limit; null when none applies.' }),
    resetAfter: Type.Number({ minimum: 0, description: 'Seconds until the binding limit is whole again.' }),
    windowSeconds: Type.Number({ minimum: 0, description: 'The binding limit\'s window (1 for per_second, 60 for per_minute).' }),
  },
  { additionalProperties: false },
);

const retryAfterHeader = { required: false, description: 'On a refusal: seconds until the check would fit.', schema: { type: 'integer', minimum: 1 } };

export function decisionRoutes(service: DecisionService): ApiRoute[] {
  const decide = (check: Check): Promise<DecisionAnswer> => ('account' in check ? service.checkPacket(check as PacketCheck) : service.checkGeneric(check as GenericCheck));
  return [
    defineRoute({
      operationId: 'checkThrottle',
      method: 'POST',
      path: '/v1/throttle/check',
      tag: 'decisions',
      summary: 'Ask whether a request or a SIP message may pass; it is counted as the rules count it',
      description:
        'Either a packet check (account, kind, ...) or a generic check (api, keys, ...). A refusal is 200 with allowed: false and Retry-After: the caller enforces it. ' +
        'Needs `Authorization: Bearer <DECISION_TOKEN>`; unmounted while DECISION_TOKEN is unset.',
      auth: 'service',
      throttled: false,
      // Asked per SIP message: answered without the Koa app (http/fast-lane.ts).
      fastLane: true,
      body: checkSchema,
      checkBody: (body) => checkOne(body, ''),
      bodyExamples: {
        invite: { summary: 'An INVITE from a device', value: { account: 'acc-1', device: 'dev-7', kind: 'invite', ip: '203.0.113.9' } },
        generic: { summary: 'The rules of an API, keys given directly', value: { api: '/v1/signup', method: 'POST', keys: { 'body.phone': '+14155551212', ip: '203.0.113.9' } } },
      },
      responses: { 200: { description: 'The answer, allowed or not.', schema: answerSchema, headers: { 'Retry-After': retryAfterHeader } } },
      handle: async ({ body }) => {
        const answer = await decide(body);
        return json(200, present(answer), answer.allowed ? undefined : { 'Retry-After': String(Math.max(1, Math.ceil(answer.retryAfter))) });
      },
    }),
    defineRoute({
      operationId: 'checkThrottleBatch',
      method: 'POST',
      path: '/v1/throttle/check/batch',
      tag: 'decisions',
      summary: 'Ask about up to 1000 checks at once; the answers come in the order of the checks',
      description:
        'Every check is validated before any is decided: one bad check (400 naming it, e.g. `checks[3].kind`) decides nothing. ' +
        'The checks are then decided concurrently, as separate requests would be.',
      auth: 'service',
      throttled: false,
      // Asked per SIP message: answered without the Koa app (http/fast-lane.ts).
      fastLane: true,
      body: batchSchema,
      checkBody: checkBatch,
      responses: { 200: { description: 'One answer per check, in order.', schema: Type.Object({ results: Type.Array(answerSchema) }, { additionalProperties: false }) } },
      handle: async ({ body }) => json(200, { results: (await checkAll(service, body.checks as ReadonlyArray<PacketCheck | GenericCheck>)).map(present) }),
    }),
  ];
}

function present(answer: DecisionAnswer): Static<typeof answerSchema> {
  return {
    allowed: answer.allowed,
    limit: answer.limit,
    remaining: answer.remaining,
    retryAfter: answer.retryAfter,
    rule: answer.rule,
    resetAfter: answer.resetAfter,
    windowSeconds: answer.windowSeconds,
  };
}

function checkBatch(body: unknown): void {
  if (!isObject(body)) throw invalidRequest('body', 'Request body must be a JSON object');
  for (const name of Object.keys(body)) if (name !== 'checks') throw invalidRequest(name, `unknown field "${name}"`);
  const checks = body.checks;
  if (!Array.isArray(checks)) throw invalidRequest('checks', checks === undefined ? 'checks is required' : 'checks must be an array of checks');
  if (checks.length < 1 || checks.length > MAX_BATCH_CHECKS) throw invalidRequest('checks', `checks must hold 1 to ${MAX_BATCH_CHECKS} checks (it holds ${checks.length})`);
  for (let i = 0; i < checks.length; i++) checkOne(checks[i], `checks[${i}]`);
}

/** Throws INVALID_REQUEST naming the first field at fault; `at` is the check's place in the body ('' for the body itself). */
function checkOne(value: unknown, at: string): void {
  const field = (name: string) => (at === '' ? name : `${at}.${name}`);
  if (!isObject(value)) throw invalidRequest(at || 'body', `${at || 'Request body'} must be a JSON object`);
  const packet = Object.hasOwn(value, 'account');
  if (packet && Object.hasOwn(value, 'api')) throw invalidRequest(field('api'), `${field('api')}: a check is a packet check (account, kind) or a generic check (api, keys), not both`);
  if (!packet && !Object.hasOwn(value, 'api')) throw invalidRequest(field('account'), `one of ${field('account')} (a packet check) or ${field('api')} (a generic check) is required`);
  const allowed = packet ? PACKET_FIELDS : GENERIC_FIELDS;
  for (const name of Object.keys(value)) if (!allowed.has(name)) throw invalidRequest(field(name), `unknown field "${field(name)}" in a ${packet ? 'packet' : 'generic'} check`);
  if (packet) {
    requireId(value.account, field('account'));
    if (value.device !== undefined) requireId(value.device, field('device'));
    if (!KINDS.includes(value.kind as string)) throw invalidRequest(field('kind'), `${field('kind')} must be one of "registration", "invite", "packet"`);
    if (value.ip !== undefined && (typeof value.ip !== 'string' || isIP(value.ip) === 0)) throw invalidRequest(field('ip'), `${field('ip')} must be an IPv4 or IPv6 address`);
    if (value.count !== undefined) requireAmount(value.count, 1, field('count'));
    return;
  }
  if (typeof value.api !== 'string' || !value.api.startsWith('/') || value.api.length > 512) throw invalidRequest(field('api'), `${field('api')} must be a route pattern starting with "/" (at most 512 characters)`);
  if (value.method !== undefined && !METHODS.includes(value.method as string)) throw invalidRequest(field('method'), `${field('method')} must be one of ${METHODS.join(', ')}`);
  const keys = value.keys;
  if (!isObject(keys)) throw invalidRequest(field('keys'), keys === undefined ? `${field('keys')} is required` : `${field('keys')} must be an object of key parts`);
  const names = Object.keys(keys);
  if (names.length > MAX_KEYS) throw invalidRequest(field('keys'), `${field('keys')} holds ${names.length} key parts; at most ${MAX_KEYS}`);
  for (const name of names) {
    const at = field(`keys.${name}`);
    if (!KEY_NAME.test(name)) throw invalidRequest(at, `${at}: "${name}" is not a key part as a rule spells it ("body.phone", "header.x-device-id", "query.to", "param.accountId", "ip", "token")`);
    const part = keys[name];
    if (typeof part !== 'string' || part.length === 0 || part.length > MAX_KEY_VALUE_LENGTH) throw invalidRequest(at, `${at} must be a non-empty string of at most ${MAX_KEY_VALUE_LENGTH} characters`);
  }
  if (value.cost !== undefined) requireAmount(value.cost, 0, field('cost'));
}

function requireId(value: unknown, field: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH) throw invalidRequest(field, `${field} must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
}

function requireAmount(value: unknown, minimum: number, field: string): void {
  if (!Number.isInteger(value) || (value as number) < minimum || (value as number) > MAX_CHECK_AMOUNT) throw invalidRequest(field, `${field} must be an integer from ${minimum} to ${MAX_CHECK_AMOUNT}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
