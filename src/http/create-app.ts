/**
 * createApp(deps): the Koa application, never listening. main.ts listens on app.callback();
 * tests drive the same callback without a port.
 */
import Koa from 'koa';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { PlanOptions } from '../engine/plan-request.js';
import type { ClientAddressOptions } from '../keys/client-address.js';
import type { RuleIndex } from '../engine/rule-index.js';
import type { Throttle } from '../engine/throttle.js';
import type { SignupBody } from '../domains/signup/signup-schema.js';
import type { SignupResponse } from '../domains/signup/signup.js';
import { renderErrors } from './render-error.js';
import { createRouter, type HealthReport, type RouteDeps } from './routes.js';
import { throttleRequests } from './throttle-middleware.js';

export interface AppDeps {
  logger: Logger;
  /** Paces sampled error logs. */
  clock: Clock;
  throttle: Throttle;
  rules: () => RuleIndex;
  planOptions: PlanOptions;
  clientAddress: ClientAddressOptions;
  signup: (body: SignupBody) => Promise<SignupResponse>;
  health: () => Promise<HealthReport>;
  admin?: RouteDeps['admin'];
}

export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  // Koa's own X-Forwarded-* handling stays off; keys/client-address.ts decides with TRUST_PROXY_HOPS.
  app.proxy = false;
  // Errors are rendered and logged by renderErrors; Koa's default handler would log them twice.
  app.silent = true;
  const router = createRouter({
    throttle: throttleRequests({ throttle: deps.throttle, rules: deps.rules, planOptions: deps.planOptions, clientAddress: deps.clientAddress }),
    signup: deps.signup,
    health: deps.health,
    ...(deps.admin ? { admin: deps.admin } : {}),
  });
  app.use(renderErrors(deps.logger, deps.clock));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
