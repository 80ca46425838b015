/**
 * Operator routes, mounted only when ADMIN_TOKEN is set, behind `Authorization: Bearer <token>`
 * (authenticate.ts's requireAdminToken).
 * The rule id travels in the query or body, not the path: ids may hold "/" (system-settings rules).
 *   GET  /v1/admin/limits?rule=<id>&key=<raw key>[&key=<part 2>]  what the store holds for that caller
 *   POST /v1/admin/limits/reset {"rule": <id>, "key": <raw key> | [<parts>]}  forget its calls everywhere
 * Either takes `caller=<partition key>` instead of `key` (exactly one of the two): the hash that
 * GET /v1/admin/top shows, so a heavy hitter can be inspected and reset without its raw key.
 */
import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { invalidRequest } from '../errors.js';
import type { LimitAdmin, LimitSubject } from '../engine/limit-admin.js';
import { jsonBody } from './json-body.js';
import { validateBody } from './validate-body.js';

export const ADMIN_ROUTES = Object.freeze({ limits: '/v1/admin/limits', reset: '/v1/admin/limits/reset' });

const resetBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['rule'],
  anyOf: [{ required: ['key'] }, { required: ['caller'] }],
  properties: {
    rule: { type: 'string', minLength: 1, maxLength: 128 },
    caller: { type: 'string', minLength: 1, maxLength: 64 },
    key: {
      anyOf: [
        { type: 'string', minLength: 1, maxLength: 256 },
        { type: 'array', minItems: 1, maxItems: 4, items: { type: 'string', minLength: 1, maxLength: 256 } },
      ],
    },
  },
} as const;

export function addAdminRoutes(router: Router, admin: LimitAdmin, guard: Middleware): void {
  router.get(ADMIN_ROUTES.limits, guard, async (ctx) => {
    const rule = single(ctx.query.rule, 'rule');
    const { key, caller } = ctx.query;
    ctx.body = await admin.inspect(rule, subjectOf(key === '' ? undefined : key, caller === undefined ? undefined : single(caller, 'caller')));
  });
  router.post(ADMIN_ROUTES.reset, guard, jsonBody(), validateBody(resetBodySchema), async (ctx) => {
    const body = ctx.state.body as { rule: string; key?: string | string[]; caller?: string };
    ctx.body = await admin.reset(body.rule, subjectOf(body.key, body.caller));
  });
}

/** The raw key or the partition key, exactly one of them. */
function subjectOf(key: string | string[] | undefined, caller: string | undefined): LimitSubject {
  if (key !== undefined && caller !== undefined) throw invalidRequest('caller', 'give key or caller, not both');
  if (caller !== undefined) return { caller };
  if (key === undefined) throw invalidRequest('key', 'key (or caller) is required');
  return Array.isArray(key) ? key : [key];
}

function single(value: string | string[] | undefined, field: string): string {
  if (typeof value !== 'string' || value === '') throw invalidRequest(field, `${field} is required, once`);
  return value;
}
