/**
 * Every route and what guards it, read top to bottom. Routes are case-sensitive and strict about
 * trailing slashes, so "/V1/Signup" or "/v1/signup/" reach no handler instead of dodging a rule.
 */
import { METHODS } from 'node:http';
import Router from '@koa/router';
import type { Context } from 'koa';
import { signupBodySchema, type SignupBody } from '../domains/signup/signup-schema.js';
import type { SignupResponse } from '../domains/signup/signup.js';
import { jsonBody } from './json-body.js';
import { openApiDocument } from './openapi.js';
import { validateBody } from './validate-body.js';
import { addAdminRoutes } from './admin-routes.js';
import type { LimitAdmin } from '../engine/limit-admin.js';

export interface HealthReport {
  status: 'ok' | 'unavailable';
  store: 'cassandra' | 'memory';
}

export interface RouteDeps {
  throttle: (ctx: Context, next: () => Promise<unknown>) => Promise<void>;
  signup: (body: SignupBody) => Promise<SignupResponse>;
  health: () => Promise<HealthReport>;
  /** Operator routes; absent unless ADMIN_TOKEN is set. */
  admin?: { limits: LimitAdmin; token: string };
}

/** Route patterns, named once: rules match these exact strings (see warnUnroutedRules in main.ts). */
export const ROUTES = Object.freeze({ health: '/healthz', signup: '/v1/signup', openapi: '/openapi.json' });

export function createRouter(deps: RouteDeps): Router {
  // Every method Node parses, so TRACE or QUERY on a known path get 405 with Allow, not 501.
  const router = new Router({ sensitive: true, strict: true, methods: METHODS });

  router.get(ROUTES.health, async (ctx) => {
    const report = await deps.health();
    ctx.status = report.status === 'ok' ? 200 : 503;
    ctx.body = report;
  });

  const openApi = openApiDocument(ROUTES);
  router.get(ROUTES.openapi, (ctx) => {
    ctx.body = openApi;
  });

  router.post(ROUTES.signup, jsonBody(), validateBody(signupBodySchema), deps.throttle, async (ctx) => {
    ctx.status = 201;
    ctx.body = await deps.signup(ctx.state.body as SignupBody);
  });

  if (deps.admin) addAdminRoutes(router, deps.admin.limits, deps.admin.token);

  return router;
}
