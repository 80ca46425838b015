/**
 * What a request costs in a token bucket: Kazoo crossbar's token_costs lookup, pure.
 *
 * Crossbar checks keys in order and takes the first that holds a number >= 0:
 *   account in the URI:  {A}.{E}.{M}, {A}.{E}, {A}, {E}.{M}, {E}
 *   no account:          {E}.{M}, {E}
 * Keys are nested objects ({"callflows": {"GET": 1}}), the method upper case. A key that holds an
 * object (costs per method, say) where the path ends does not count: the lookup goes on. A plain
 * number as token_costs is the cost of every request (0: free). Nothing found: 1, Kazoo's default.
 *
 * Kazoo's special case for quickcall (GET .../devices/{DEVICE_ID}/quickcall/{NUMBER}) checks
 *   {A}.{E}.{M}.{S}, {A}.{E}.{S}, {A}.{S}, {E}.{M}.{S}, {E}.{S}
 * with S = "quickcall" first. We apply it to every sub-resource (calls/:sid/recordings,
 * cdrs/export...), then fall back to the plain order, so a sub-resource nobody priced costs what its
 * endpoint costs.
 */
import type { TokenCosts } from '../rules/rule.js';

/** The parts of a request token_costs keys name. */
export interface CostRequest {
  /** The account in the URI (Kazoo's {ACCOUNT_ID}), if the route has one. */
  accountId?: string;
  /** Kazoo's {ENDPOINT}: "calls", "devices", "accounts", "signup"... */
  endpoint: string;
  /** Upper case: "GET", "POST"... */
  method: string;
  /** The first literal segment after the endpoint (and its id): "quickcall", "recordings". */
  subResource?: string;
}

/** Kazoo's cost of a request no key prices. */
export const DEFAULT_TOKEN_COST = 1;

/**
 * The cost request of a route, from its pattern (as the router declares it) and its parameters:
 *   /v1/accounts                                          -> accounts (no account)
 *   /v1/accounts/:accountId                               -> accounts, account
 *   /v1/accounts/:accountId/calls/:callSid/recordings     -> calls, account, sub-resource recordings
 *   /v1/accounts/:accountId/devices/:deviceId/quickcall/:number -> devices, sub-resource quickcall
 *   /v1/signup                                            -> signup
 *   /v1/admin/rules/:id                                   -> admin, sub-resource rules
 * A version segment ("v1", "v2") is skipped. The account is the parameter that follows "accounts"
 * (params.accountId on our routes); an absent or empty value means no account. Routes under
 * /v1/admin are one endpoint, "admin", with the area as sub-resource, so {"admin": 0} frees them
 * all and {"admin": {"rules": 5}} prices one area.
 */
export function costRequestOf(method: string, routePattern: string, params: Readonly<Record<string, string | undefined>>): CostRequest {
  const segments = routePattern.split('/').filter((s) => s !== '');
  if (segments[0] !== undefined && /^v\d+$/.test(segments[0])) segments.shift();
  const request: CostRequest = { endpoint: segments[0] ?? '', method: method.toUpperCase() };
  let rest = segments.slice(1);
  if (request.endpoint === 'accounts' && rest[0]?.startsWith(':')) {
    const accountId = params[rest[0].slice(1)];
    if (accountId) request.accountId = accountId;
    rest = rest.slice(1);
    // The account's own resources: the endpoint is the next segment (the account itself when none).
    if (rest[0] !== undefined && !rest[0].startsWith(':')) {
      request.endpoint = rest[0];
      rest = rest.slice(1);
    }
  }
  const subResource = rest.find((s) => !s.startsWith(':'));
  if (subResource !== undefined) request.subResource = subResource;
  return request;
}

/** The key paths crossbar checks for a request, in order. */
export function costKeyPaths(request: CostRequest): string[][] {
  const { accountId: a, endpoint: e, method: m, subResource: s } = request;
  const plain = a === undefined ? [[e, m], [e]] : [[a, e, m], [a, e], [a], [e, m], [e]];
  if (s === undefined) return plain;
  const special = a === undefined ? [[e, m, s], [e, s]] : [[a, e, m, s], [a, e, s], [a, s], [e, m, s], [e, s]];
  return [...special, ...plain];
}

/** What `request` costs under `costs`: the first key holding a number >= 0, else 1. */
export function tokenCost(costs: TokenCosts, request: CostRequest): number {
  if (typeof costs === 'number') return costs >= 0 ? costs : DEFAULT_TOKEN_COST;
  for (const path of costKeyPaths(request)) {
    const found = valueAt(costs, path);
    if (typeof found === 'number' && Number.isFinite(found) && found >= 0) return found;
  }
  return DEFAULT_TOKEN_COST;
}

function valueAt(costs: TokenCosts, path: readonly string[]): TokenCosts | undefined {
  let node: TokenCosts | undefined = costs;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}
