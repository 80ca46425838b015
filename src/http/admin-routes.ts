/**
 * Operator routes, mounted only when ADMIN_TOKEN is set, behind `Authorization: Bearer <token>`
 * (authenticate.ts's requireAdminToken).
 * The rule id travels in the query or body, not the path: ids may hold "/" (system-settings rules).
 *   GET  /v1/admin/limits?rule=<id>&key=<raw key>[&key=<part 2>]  what the store holds for that caller
 *   POST /v1/admin/limits/reset {"rule": <id>, "key": <raw key> | [<parts>]}  forget its calls everywhere
 */
import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { invalidRequest } from '../errors.js';
import type { LimitAdmin } from '../engine/limit-admin.js';
import { jsonBody } from './json-body.js';
import { validateBody } from './validate-body.js';

export const ADMIN_ROUTES = Object.freeze({ limits: '/v1/admin/limits', reset: '/v1/admin/limits/reset' });

const resetBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['rule', 'key'],
  properties: {
    rule: { type: 'string', minLength: 1, maxLength: 128 },
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
    const key = ctx.query.key;
    if (key === undefined || key === '') throw invalidRequest('key', 'key is required');
    ctx.body = await admin.inspect(rule, Array.isArray(key) ? key : [key]);
  });
  router.post(ADMIN_ROUTES.reset, guard, jsonBody(), validateBody(resetBodySchema), async (ctx) => {
    const body = ctx.state.body as { rule: string; key: string | string[] };
    ctx.body = await admin.reset(body.rule, Array.isArray(body.key) ? body.key : [body.key]);
  });
}

function single(value: string | string[] | undefined, field: string): string {
  if (typeof value !== 'string' || value === '') throw invalidRequest(field, `${field} is required, once`);
  return value;
}
