/**
 * What the fast lane (fast-lane.ts) serves, derived from the route registry as the router is
 * (mount-routes.ts), and answering as that route's chain would:
 *   - a throttled route whose chain before the throttle is only body reading and validation
 *     (no authentication, no query, no precheck, no lease or limit recording): a refusal the
 *     throttle knows from memory (throttle-middleware.ts refusalFromMemory), so a flood of
 *     refused callers never builds a Koa context. Anything else goes to the app.
 *   - a route marked `fastLane` (the decision API): checked (service token, then body) and
 *     handled here; a request that fails a check goes to the app, which refuses it as always.
 * Only parameterless paths: the lane matches "METHOD path" exactly, which is what the router's
 * strict, case-sensitive matching does for them.
 */
import type { IncomingMessage } from 'node:http';
import type { ApiRoute, RouteInput } from './api-route.js';
import type { ClientAddressOptions } from '../keys/client-address.js';
import type { LaneAnswer, LaneRoute } from './fast-lane.js';
import { servicePresents } from './authenticate.js';
import { compileBodySchema } from './validate-body.js';
import { refusalFromMemory, type ThrottleMiddlewareDeps } from './throttle-middleware.js';
import { plainRequestView } from './request-view.js';
import { errorBody } from './render-error.js';

export interface LaneDeps {
  /** The throttle middleware's own deps (the same rules, limiters and listeners); absent: no throttled route is in the lane. */
  throttle?: ThrottleMiddlewareDeps | undefined;
  clientAddress: ClientAddressOptions;
  /** DECISION_TOKEN; without it service routes are not served at all. */
  serviceToken?: string | undefined;
}

/** The lane's routes by "METHOD path", from the routes the app serves. */
export function laneRoutes(routes: readonly ApiRoute[], deps: LaneDeps): Map<string, LaneRoute> {
  const lane = new Map<string, LaneRoute>();
  for (const route of routes) {
    const plain = isPlain(route);
    if (route.fastLane && !plain) throw new Error(`route ${route.operationId}: fastLane needs a parameterless path, a required JSON body, no query, no precheck and auth none or service`);
    if (!plain) continue;
    const key = `${route.method} ${route.path}`;
    if (route.fastLane) {
      if (route.auth === 'service' && deps.serviceToken === undefined) continue;
      lane.set(key, handledRoute(route, deps));
    } else if (route.throttled && route.auth === 'none' && deps.throttle) lane.set(key, knownRefusals(route, deps.throttle, deps.clientAddress));
  }
  return lane;
}

function isPlain(route: ApiRoute): boolean {
  return (
    !/[:*(]/.test(route.path) &&
    route.body !== undefined &&
    route.bodyRequired !== false &&
    route.query === undefined &&
    route.precheck === undefined &&
    route.leaseSid === undefined &&
    !route.recordsLimits &&
    route.neverThrottled === undefined &&
    (route.auth === 'none' || route.auth === 'service')
  );
}

/** A body that passes the route's validation (its own check, else its schema). */
function bodyCheck(route: ApiRoute): (body: unknown) => boolean {
  const { checkBody } = route;
  if (checkBody) {
    return (body) => {
      try {
        checkBody(body);
        return true;
      } catch {
        return false;
      }
    };
  }
  return compileBodySchema(route.body!);
}

function knownRefusals(route: ApiRoute, throttle: ThrottleMiddlewareDeps, clientAddress: ClientAddressOptions): LaneRoute {
  const valid = bodyCheck(route);
  const patterns = route.rulePaths ?? [route.path];
  return {
    pattern: route.path,
    answer(req, body) {
      if (!valid(body)) return undefined;
      const refusal = refusalFromMemory(throttle, route.method, route.path, patterns, plainRequestView(req, body, clientAddress), req);
      return refusal && { status: refusal.status, headers: refusal.headers, body: errorBody(refusal) };
    },
  };
}

function handledRoute(route: ApiRoute, deps: LaneDeps): LaneRoute {
  const valid = bodyCheck(route);
  return {
    pattern: route.path,
    ...(route.auth === 'service' ? { admits: servicePresents(deps.serviceToken!) } : {}),
    async answer(req, body): Promise<LaneAnswer | undefined> {
      if (!valid(body)) return undefined;
      const result = await route.handle(inputOf(req, body));
      if ('stream' in result || result.body === undefined) throw new Error(`route ${route.operationId}: the fast lane answers JSON bodies only`);
      return { status: result.status, headers: result.headers, body: result.body };
    },
  };
}

function inputOf(req: IncomingMessage, body: unknown): RouteInput {
  return {
    params: {},
    query: {},
    body,
    caller: undefined,
    admin: undefined,
    leaseId: undefined,
    limits: {},
    header: (name) => {
      const values = req.headersDistinct[name.toLowerCase()];
      return values?.length === 1 ? values[0] : undefined;
    },
  };
}
