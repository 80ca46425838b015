/**
 * The credential guards. Account routes: `Authorization: Bearer <authToken>` or HTTP Basic
 * `accountId:authToken`; a route whose path names an account must name the caller's own (403
 * otherwise, before anything is read). Admin routes: `Authorization: Bearer <ADMIN_TOKEN>`,
 * compared as digests so neither the token nor its length leaks through timing. Service routes
 * (the decision API): `Authorization: Bearer <DECISION_TOKEN>`, compared the same way.
 *
 * Failed authentications are counted by the rules on the pseudo-route AUTH_FAILURE_PATH (any
 * method; the shipped rule keys on the client address). They run before the route's own throttle
 * and key on nothing the caller claims, so a flood of bad tokens is throttled by address and never
 * spends a victim account's quota. An address already over that limit is refused (429) before its
 * token is even checked, from what this instance knows (Throttle.blocked), so guessing stops.
 */
import { createHash, hash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Context, Next } from 'koa';
import { TollgateError } from '../errors.js';
import type { Accounts, Credentials } from '../domains/accounts/accounts.js';
import type { AdminToken } from '../settings.js';
import { planRequest, type PlanOptions } from '../engine/plan-request.js';
import type { RuleIndex } from '../engine/rule-index.js';
import type { Throttle } from '../engine/throttle.js';
import { denialError } from './verdict-response.js';
import { listedError } from './throttle-middleware.js';
import type { ClientAddressOptions } from '../keys/client-address.js';
import { requestView } from './request-view.js';
import { headerValues } from './header-values.js';

/** Rules whose match.path is this count failed authentications on every account route. */
export const AUTH_FAILURE_PATH = '/v1/auth/failures';

const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="tollgate", Bearer' };

export interface AuthenticateDeps {
  accounts: Accounts;
  throttle: Throttle;
  rules: () => RuleIndex;
  planOptions: PlanOptions;
  clientAddress: ClientAddressOptions;
}

export function authenticateAccount(deps: AuthenticateDeps) {
  return async function authenticate(ctx: Context, next: Next): Promise<void> {
    const credentials = parseCredentials(ctx.req.headersDistinct.authorization);
    if (credentials === undefined) throw unauthenticated('An account token is required: Authorization: Bearer <authToken>, or Basic with accountId:authToken');
    if (credentials === 'malformed') throw unauthenticated('The Authorization header is not a Bearer token or Basic accountId:authToken');

    const rules = deps.rules().match(ctx.method, AUTH_FAILURE_PATH);
    const index = deps.rules();
    const plan = rules.length > 0 ? planRequest(rules, requestView(ctx, deps.clientAddress), deps.planOptions, index) : undefined;
    if (plan?.kind === 'listed') throw listedError(plan.rule);
    const failureTargets = plan?.kind === 'targets' ? plan.targets : [];
    const blocked = deps.throttle.blocked(failureTargets);
    if (blocked) throw denialError(blocked);

    const caller = await deps.accounts.authenticate(credentials);
    if (!caller) {
      const verdict = await deps.throttle.check(failureTargets);
      if (!verdict.admitted) throw denialError(verdict);
      throw unauthenticated('The account token is not valid');
    }
    const named = (ctx as Context & { params?: Record<string, string> }).params?.accountId;
    if (named !== undefined && named !== caller.accountId) {
      throw new TollgateError('FORBIDDEN', 'This token belongs to another account than the one in the path');
    }
    ctx.state.caller = caller;
    await next();
  };
}

export function requireAdminToken(tokens: readonly AdminToken[]) {
  const expected = tokens.map(({ label, token }) => ({ label, digest: createHash('sha256').update(token).digest() }));
  return async function requireAdmin(ctx: Context, next: Next): Promise<void> {
    const header = ctx.req.headersDistinct.authorization;
    const presented = createHash('sha256').update(header?.length === 1 ? /^Bearer\s+(\S+)$/i.exec(header[0]!)?.[1] ?? '' : '').digest();
    // Every token is compared, so the time taken does not say which one (or whether any) matched.
    let label: string | undefined;
    for (const candidate of expected) if (timingSafeEqual(presented, candidate.digest)) label ??= candidate.label;
    if (label === undefined) throw new TollgateError('UNAUTHORIZED', 'A valid admin bearer token is required', { headers: { 'WWW-Authenticate': 'Bearer' } });
    ctx.state.admin = label;
    await next();
  };
}

/**
 * The DECISION_TOKEN guard: 401 UNAUTHENTICATED unless the one Authorization header is that bearer.
 * Failures are not counted by address as account ones are: the callers are a few known
 * components, and the decision path stays one digest and one comparison long.
 */
export function requireServiceToken(token: string) {
  const presentsToken = servicePresents(token);
  return async function requireService(ctx: Context, next: Next): Promise<void> {
    if (!presentsToken(ctx.req)) {
      throw new TollgateError('UNAUTHENTICATED', 'A valid service bearer token is required: Authorization: Bearer <DECISION_TOKEN>', { headers: { 'WWW-Authenticate': 'Bearer' } });
    }
    await next();
  };
}

/** Whether a request carries the service token (DECISION_TOKEN); the fast lane (lane-routes.ts) asks it too. */
export function servicePresents(token: string): (req: IncomingMessage) => boolean {
  const expected = createHash('sha256').update(token).digest();
  return (req) => bearerMatches(headerValues(req, 'authorization'), expected);
}

/** Whether the values of an Authorization header are exactly one bearer token with this sha256 digest, in constant time. */
function bearerMatches(values: readonly string[] | undefined, expectedDigest: Buffer): boolean {
  const presented = values?.length === 1 ? /^Bearer\s+(\S+)\s*$/i.exec(values[0]!)?.[1] : undefined;
  // Digests of equal length, so timingSafeEqual neither throws nor leaks the token's length.
  // crypto.hash: the one-shot digest, without a Hash object per request.
  return timingSafeEqual(hash('sha256', presented ?? '', 'buffer'), expectedDigest) && presented !== undefined;
}

/** The credentials of an Authorization header; undefined when there is none. Repeated headers are malformed. */
export function parseCredentials(header: readonly string[] | undefined): Credentials | 'malformed' | undefined {
  if (!header || header.length === 0) return undefined;
  if (header.length > 1) return 'malformed';
  const bearer = /^Bearer +([A-Za-z0-9._~+/=-]{1,512})\s*$/i.exec(header[0]!);
  if (bearer) return { kind: 'bearer', token: bearer[1]! };
  const basic = /^Basic +([A-Za-z0-9+/=]{1,1024})\s*$/i.exec(header[0]!);
  if (!basic) return 'malformed';
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) return 'malformed';
  return { kind: 'basic', accountId: decoded.slice(0, colon), token: decoded.slice(colon + 1) };
}

function unauthenticated(message: string): TollgateError {
  return new TollgateError('UNAUTHENTICATED', message, { headers: CHALLENGE });
}
