/**
 * The route registry's entry: everything about one route in one place — method, pattern, body
 * and query schemas (TypeBox: the JSON Schema the edge validates with and the TypeScript type
 * the handler reads come from one source), who may call it, whether the rule engine guards it,
 * its handler, and its responses for /openapi.json. The router (mount-routes.ts), the rule-route
 * check in main.ts and the OpenAPI document (openapi.ts) are all derived from the list, so a new
 * domain adds one routes file under http/api/ and nothing else in http/.
 *
 * Handlers are plain functions of validated input; they never see Koa.
 */
import type { Readable } from 'node:stream';
import type { Static, TSchema } from '@sinclair/typebox';
import type { Caller } from '../domains/accounts/accounts.js';
import type { SidPrefix } from '../domains/shared/sids.js';

export type { Caller };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * none: anyone; account: an account's auth token (Bearer, or Basic accountId:authToken), and a
 * route with :accountId must name the caller's own account; admin: the ADMIN_TOKEN bearer (the
 * route is unmounted while ADMIN_TOKEN is unset); service: the DECISION_TOKEN bearer of the
 * components that ask for decisions (an SBC, a proxy), checked before the body is read (the
 * route is unmounted while DECISION_TOKEN is unset).
 */
export type RouteAuth = 'none' | 'account' | 'admin' | 'service';

export interface RouteInput<Body = unknown, Query = unknown> {
  /** Route parameters, as the router resolved them. */
  params: Readonly<Record<string, string>>;
  /** The query, validated (and coerced: integers are numbers) against the route's query schema. */
  query: Query;
  /** The JSON body, validated against the route's body schema ({} for an absent optional body). */
  body: Body;
  /** Set on `account` routes. */
  caller: Caller | undefined;
  /** The admin token's label, on `admin` routes (for the audit trail). */
  admin: string | undefined;
  /** A request header, when it was sent once (If-Match). */
  header(name: string): string | undefined;
  /** On a route with `leaseSid`: the sid the created resource must take (its concurrent-limit slots are held under it). */
  leaseId: string | undefined;
  /** What the limiters decided for the handler to record: the carrier a call took, or the over-limit announcement it gets instead of a refusal. */
  limits: LimitOutcomeForHandler;
}

/** Set by the throttle (http/throttle-middleware.ts) on routes whose rules choose a carrier or announce instead of refusing. */
export interface LimitOutcomeForHandler {
  /** A carrier rule's carrier (FreeSWITCH limit_execute): the call records it. */
  carrier?: string;
  /** A rule with onLimit.announceUrl refused the request: the call is created with status limit_exceeded and this announcement. */
  exceeded?: { rule: string; announceUrl: string };
}

export type RouteResult =
  | { status: number; body: unknown; headers?: Readonly<Record<string, string>> }
  /** A streamed body (an export): piped with backpressure, so a slow reader slows the producer. */
  | { status: number; stream: Readable; contentType: string; headers?: Readonly<Record<string, string>> };

/** One response of the route, for the OpenAPI document (the common errors are added by openapi.ts). */
export interface ResponseDoc {
  description: string;
  /** JSON body schema; for other content types, `content` instead. */
  schema?: TSchema | Record<string, unknown>;
  content?: Record<string, { schema: Record<string, unknown> }>;
  headers?: Record<string, unknown>;
}

export interface ApiRoute {
  operationId: string;
  method: HttpMethod;
  /** The Koa pattern ("/v1/accounts/:accountId/calls/:sid"); rules match this exact string. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  auth: RouteAuth;
  /** Whether the throttle runs (rules on this method and pattern); after auth, before the handler. */
  throttled: boolean;
  /**
   * Requests of a throttled route the limits never refuse: the ones that give capacity back
   * (ending a call, ending a conference). Such a request skips the throttle, so no rule on the
   * route, window or slot, can keep a caller from hanging up.
   */
  neverThrottled?: (input: RouteInput) => boolean;
  /**
   * The patterns whose rules guard this route (default: its own path). A route served at several
   * paths (answeredAt) lists them all, so a rule naming any one guards every one: no path can be
   * used to dodge a rule written for another.
   */
  rulePaths?: readonly string[];
  /**
   * The route creates a resource that holds the slots its concurrent rules take (a call, a
   * participant): its sid is minted with this prefix before the throttle (RouteInput.leaseId), the
   * slots are taken under it, kept when the handler succeeds, and given back by the domain when
   * the resource ends. On other routes, slots are held for the request only.
   */
  leaseSid?: SidPrefix;
  /**
   * The handler records limiter outcomes (RouteInput.limits): a carrier rule's carrier, and a
   * refusal by a rule with onLimit.announceUrl, which then reaches the handler instead of a 429
   * (the call is created with status limit_exceeded). On other routes such a rule simply refuses.
   */
  recordsLimits?: boolean;
  body?: TSchema;
  /**
   * Validates the body instead of the compiled `body` schema, which then only documents it: for
   * a route whose rules a schema says badly (exactly one of two forms) or whose errors must name
   * array items (`checks[3].kind`). Throws INVALID_REQUEST naming the field; a test holds it to
   * the schema.
   */
  checkBody?: (body: unknown) => void;
  /**
   * Served by the fast lane (fast-lane.ts) without the Koa app: for a hot route whose handler
   * needs nothing from the chain but its body (the decision API). Needs a parameterless path, a
   * required JSON body, no query and no precheck; auth none or service (lane-routes.ts checks).
   */
  fastLane?: boolean;
  /** false: a request without a body is taken as {} (POST .../recordings with no parameters). */
  bodyRequired?: boolean;
  bodyExamples?: Record<string, { summary: string; value: unknown }>;
  query?: TSchema;
  /** Route parameters' schemas for the document (default: a non-empty string). */
  params?: Record<string, Record<string, unknown>>;
  /** Statuses the handler itself answers (2xx and its own 404/409...), with their bodies. */
  responses: Record<number, ResponseDoc>;
  /**
   * Runs after authentication and BEFORE the throttle: refusals that must not be counted (an
   * unknown or foreign sid: 404; an ended call: 409). The handler checks again (state may move).
   */
  precheck?: (input: RouteInput) => Promise<void>;
  handle: (input: RouteInput) => Promise<RouteResult>;
}

/** Declares a route with the handler typed by its schemas; the registry keeps the erased form. */
export function defineRoute<B extends TSchema = TSchema, Q extends TSchema = TSchema>(
  route: Omit<ApiRoute, 'body' | 'query' | 'handle' | 'precheck'> & {
    body?: B;
    query?: Q;
    precheck?: (input: RouteInput<Static<B>, Static<Q>>) => Promise<void>;
    handle: (input: RouteInput<Static<B>, Static<Q>>) => Promise<RouteResult>;
  },
): ApiRoute {
  return route as unknown as ApiRoute;
}

/** A JSON answer. */
export const json = (status: number, body: unknown, headers?: Record<string, string>): RouteResult => (headers ? { status, body, headers } : { status, body });

/** The route, also served at other paths (one entry per path, sharing their rules). */
export function answeredAt(route: ApiRoute, aliases: readonly string[]): ApiRoute[] {
  const rulePaths = [route.path, ...aliases];
  return [
    { ...route, rulePaths },
    ...aliases.map((path, i) => ({ ...route, path, rulePaths, operationId: `${route.operationId}At${i + 1}`, description: `${route.description ?? ''} Also served at ${route.path}; rules on either path guard both.`.trim() })),
  ];
}
