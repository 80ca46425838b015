/**
 * createApp(deps): the Koa application and the listener to serve it with (the fast lane in front
 * of app.callback()), never listening. main.ts serves the listener; tests drive the same one.
 * The routes come from the registry (api-route.ts); this file only adds the service's own
 * routes, the error renderer and the lane.
 */
import Koa from 'koa';
import Router from '@koa/router';
import { METHODS, type RequestListener } from 'node:http';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { HealthReport } from '../health.js';
import type { PlanOptions } from '../engine/plan-request.js';
import type { ClientAddressOptions } from '../keys/client-address.js';
import type { RuleIndex } from '../engine/rule-index.js';
import type { Throttle } from '../engine/throttle.js';
import type { LimitAdmin } from '../engine/limit-admin.js';
import type { Accounts } from '../domains/accounts/accounts.js';
import type { ApiRoute } from './api-route.js';
import type { AdminToken } from '../settings.js';
import type { DecisionListener } from './decision-events.js';
import { countHttpRequests, type HttpObserver } from './http-metrics.js';
import { laneFailure, renderErrors } from './render-error.js';
import { throttleRequests, type ThrottleMiddlewareDeps } from './throttle-middleware.js';
import { fastLane } from './fast-lane.js';
import { laneRoutes } from './lane-routes.js';
import { DelayQueues } from './shaping.js';
import type { LimiterChain } from '../engine/limiter-chain.js';
import { authenticateAccount, requireAdminToken, requireServiceToken } from './authenticate.js';
import { mountRoutes, servedRoutes } from './mount-routes.js';
import { buildOpenApiDocument } from './openapi.js';
import { healthRoute, openApiRoute } from './api/system-routes.js';
import { addAdminRoutes } from './admin-routes.js';
import { addDashboardRoutes, DEFAULT_DASHBOARD_DIR } from './dashboard-routes.js';

export interface AppDeps {
  logger: Logger;
  /** Paces sampled error logs. */
  clock: Clock;
  throttle: Throttle;
  rules: () => RuleIndex;
  planOptions: PlanOptions;
  clientAddress: ClientAddressOptions;
  /** The domain routes of the registry. */
  routes: readonly ApiRoute[];
  /** Checks account credentials. */
  accounts: Accounts;
  health: () => Promise<HealthReport>;
  /** Told the shadow rules that would have refused a request. */
  onShadow?: (ruleIds: readonly string[], route: string) => void;
  /** Told every throttle decision (metrics, heavy hitters). */
  onDecisions?: DecisionListener;
  /** Every limiter, in order (engine/limiter-chain.ts). */
  limiters: LimiterChain;
  /** Told the "mark" rules a request went over (it went through, marked). */
  onMarked?: (ruleIds: readonly string[], route: string) => void;
  /** Told every finished request by route pattern, method and status (metrics). */
  observeHttp?: HttpObserver;
  /** DECISION_TOKEN: serves the decision API (routes with auth 'service'); absent leaves them unmounted. */
  serviceToken?: string;
  /** Operator routes; absent unless ADMIN_TOKEN is set. */
  admin?: { limits: LimitAdmin; tokens: readonly AdminToken[] };
  /** The built operator dashboard served at /admin/ (default: dist/dashboard, what `npm run build` writes). */
  dashboardDir?: string;
}

/** Every route the app serves, in registry form (health and /openapi.json included). */
export function appRoutes(routes: readonly ApiRoute[], health: () => Promise<HealthReport>, adminEnabled: boolean, serviceEnabled = false): ApiRoute[] {
  let document: Record<string, unknown> | undefined;
  const all: ApiRoute[] = [healthRoute(health), ...routes, openApiRoute(() => (document ??= buildOpenApiDocument(served)))];
  const served = servedRoutes(all, adminEnabled, serviceEnabled);
  return served;
}

/** The Koa app and the listener to serve: the fast lane (fast-lane.ts) in front of the app. */
export interface ServedApp {
  app: Koa;
  listener: RequestListener;
}

export function createApp(deps: AppDeps): ServedApp {
  const app = new Koa();
  // Koa's own X-Forwarded-* handling stays off; keys/client-address.ts decides with TRUST_PROXY_HOPS.
  app.proxy = false;
  // Errors are rendered and logged by renderErrors; Koa's default handler would log them twice.
  app.silent = true;
  // Routes are case-sensitive and strict about trailing slashes, so "/V1/Signup" or "/v1/signup/"
  // reach no handler instead of dodging a rule. Every method Node parses is known, so TRACE or
  // QUERY on a known path get 405 with Allow, not 501.
  const router = new Router({ sensitive: true, strict: true, methods: METHODS });
  const guards = { throttle: deps.throttle, rules: deps.rules, planOptions: deps.planOptions, clientAddress: deps.clientAddress };
  const requireAdmin = deps.admin ? requireAdminToken(deps.admin.tokens) : undefined;
  const requireService = deps.serviceToken ? requireServiceToken(deps.serviceToken) : undefined;
  const throttleDeps: ThrottleMiddlewareDeps = {
    ...guards,
    ...(deps.onShadow ? { onShadow: deps.onShadow } : {}),
    ...(deps.onDecisions ? { onDecisions: deps.onDecisions } : {}),
    ...(deps.onMarked ? { onMarked: deps.onMarked } : {}),
    limiters: deps.limiters,
    clock: deps.clock,
    delays: new DelayQueues(),
  };
  const served = appRoutes(deps.routes, deps.health, requireAdmin !== undefined, requireService !== undefined);
  mountRoutes(router, served, {
    throttle: throttleRequests(throttleDeps),
    authenticate: authenticateAccount({ ...guards, accounts: deps.accounts }),
    requireAdmin,
    requireService,
    logger: deps.logger,
    clock: deps.clock,
  });
  if (deps.admin && requireAdmin) addAdminRoutes(router, deps.admin.limits, requireAdmin);
  addDashboardRoutes(router, deps.dashboardDir ?? DEFAULT_DASHBOARD_DIR);
  // First, so that it counts every request with the status the error renderer gave it.
  if (deps.observeHttp) app.use(countHttpRequests(deps.observeHttp));
  app.use(renderErrors(deps.logger, deps.clock));
  app.use(router.routes());
  app.use(router.allowedMethods());
  const lane = laneRoutes(served, { throttle: throttleDeps, clientAddress: deps.clientAddress, serviceToken: deps.serviceToken });
  const listener = fastLane(app.callback(), lane, { observe: deps.observeHttp, failed: laneFailure(deps.logger, deps.clock) });
  return { app, listener };
}
