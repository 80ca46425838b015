/**
 * mountRoutes: the router, derived from the route registry. Every route is one chain, in the
 * order the guards must run:
 *
 *   read + validate body, validate query -> authenticate -> precheck -> throttle -> handler
 *
 * so a malformed request, a caller without valid credentials and a request for an unknown or
 * foreign resource are all refused before anything is counted or written. Service routes check
 * their token first of all: it costs one digest, and a caller without it should not get to make
 * tollgate read and parse a batch of up to 1 MiB (nor learn its schema from the 400s).
 */
import type Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import type { Logger } from 'pino';
import type { ApiRoute, RouteInput, RouteResult } from './api-route.js';
import type { Clock } from '../clock.js';
import { newSid } from '../domains/shared/sids.js';
import { jsonBody } from './json-body.js';
import { validateBody } from './validate-body.js';
import { validateQuery } from './validate-query.js';

export interface MountDeps {
  /** The rule engine as a guard (throttle-middleware.ts). */
  throttle: Middleware;
  /** Account credentials (authenticate.ts). */
  authenticate: Middleware;
  /** The ADMIN_TOKEN guard; undefined leaves admin routes unmounted. */
  requireAdmin: Middleware | undefined;
  /** The DECISION_TOKEN guard (authenticate.ts requireServiceToken); absent leaves service routes unmounted. */
  requireService?: Middleware | undefined;
  logger: Logger;
  /** Mints the sids of routes with `leaseSid`. */
  clock: Clock;
}

/** The routes that are served with these deps (admin routes only with an admin token, service routes only with a service token). */
export function servedRoutes(routes: readonly ApiRoute[], adminEnabled: boolean, serviceEnabled = false): ApiRoute[] {
  return routes.filter((route) => (route.auth !== 'admin' || adminEnabled) && (route.auth !== 'service' || serviceEnabled));
}

export function mountRoutes(router: Router, routes: readonly ApiRoute[], deps: MountDeps): void {
  for (const route of servedRoutes(routes, deps.requireAdmin !== undefined, deps.requireService !== undefined)) {
    // The steps that only set a flag hand on next()'s promise instead of awaiting it: one async
    // frame less per request on every route (they cannot throw, so nothing else changes).
    const chain: Middleware[] = [];
    if (route.auth === 'service') chain.push(deps.requireService!);
    if (route.rulePaths) {
      const rulePaths = route.rulePaths;
      chain.push((ctx: Context, next: Next) => {
        ctx.state.rulePaths = rulePaths;
        return next();
      });
    }
    if (route.body) chain.push(route.bodyRequired === false ? optionalJsonBody() : jsonBody(), route.checkBody ? checkBodyWith(route.checkBody) : validateBody(route.body));
    if (route.query) chain.push(validateQuery(route.query));
    if (route.auth === 'account') chain.push(deps.authenticate);
    if (route.auth === 'admin') chain.push(deps.requireAdmin!);
    if (route.precheck) {
      const precheck = route.precheck;
      chain.push(async (ctx: Context, next: Next) => {
        await precheck(inputOf(ctx));
        await next();
      });
    }
    if (route.leaseSid) {
      const prefix = route.leaseSid;
      chain.push((ctx: Context, next: Next) => {
        ctx.state.leaseId = newSid(prefix, deps.clock());
        ctx.state.keepSlots = true;
        return next();
      });
    }
    if (route.recordsLimits) {
      chain.push((ctx: Context, next: Next) => {
        ctx.state.recordsLimits = true;
        return next();
      });
    }
    if (route.throttled && route.neverThrottled) {
      const exempt = route.neverThrottled;
      chain.push(async (ctx: Context, next: Next) => (exempt(inputOf(ctx)) ? next() : deps.throttle(ctx, next)));
    } else if (route.throttled) chain.push(deps.throttle);
    chain.push(async (ctx: Context) => render(ctx, await route.handle(inputOf(ctx)), deps.logger));
    router.register(route.path, [route.method], chain, { name: route.operationId });
  }
}

function inputOf(ctx: Context): RouteInput {
  return {
    params: (ctx as Context & { params?: Record<string, string> }).params ?? {},
    query: ctx.state.query ?? {},
    body: ctx.state.body,
    caller: ctx.state.caller,
    admin: ctx.state.admin,
    leaseId: ctx.state.leaseId,
    limits: ctx.state.limits ?? {},
    header: (name) => {
      const values = ctx.req.headersDistinct[name.toLowerCase()];
      return values?.length === 1 ? values[0] : undefined;
    },
  };
}

function render(ctx: Context, result: RouteResult, logger: Logger): void {
  ctx.status = result.status;
  if (result.headers) ctx.set(result.headers as Record<string, string>);
  if ('stream' in result) {
    // Headers are gone once the first chunk is; a failure mid-stream can only cut the connection,
    // so that the client sees a truncated transfer rather than a complete-looking file.
    result.stream.once('error', (error) => {
      logger.error({ err: error, method: ctx.method, path: ctx.path }, 'streamed response failed; connection closed');
      ctx.res.destroy();
    });
    ctx.type = result.contentType;
    ctx.body = result.stream;
    return;
  }
  ctx.body = result.body;
}

/** A route's own body check (ApiRoute.checkBody) in the place of the compiled schema. */
function checkBodyWith(check: (body: unknown) => void): Middleware {
  return async function checkRequestBody(ctx: Context, next: Next): Promise<void> {
    check(ctx.state.body);
    await next();
  };
}

/** A JSON body if one was sent, else {} (routes whose parameters are all optional). */
function optionalJsonBody(): Middleware {
  const read = jsonBody();
  return async (ctx: Context, next: Next) => {
    const hasBody = ctx.request.length > 0 || ctx.get('transfer-encoding') !== '';
    if (hasBody) return read(ctx, next);
    ctx.state.body = {};
    await next();
  };
}
