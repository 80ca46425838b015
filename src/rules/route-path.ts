/**
 * A rule's match.path against the route patterns the router declares. A path is either one route
 * pattern ("/v1/signup") or a wildcard ending in "/*" ("/v1/*", "/v1/accounts/:accountId/*") that
 * guards every pattern under its prefix. Patterns are compared as text, never as URLs: a wildcard
 * names route parameters exactly as the routes spell them, so its param key parts read real
 * parameters.
 */

/** True for "/v1/*": a path guarding every route pattern under "/v1/". */
export function isWildcardPath(path: string): boolean {
  return path.endsWith('/*');
}

/** Where a wildcard is misplaced ("/v1/*\/calls", "/v1*"), a sentence saying so; else undefined. */
export function wildcardProblem(path: string): string | undefined {
  const star = path.indexOf('*');
  if (star < 0 || (star === path.length - 1 && path.endsWith('/*'))) return undefined;
  return `a wildcard "*" is written only as the last segment ("/v1/*", "/v1/accounts/:accountId/*"): "${path}"`;
}

/** The written part of a path that route patterns must start with: "/v1/" for "/v1/*", the path itself otherwise. */
export function pathPrefix(path: string): string {
  return isWildcardPath(path) ? path.slice(0, -1) : path;
}

/**
 * Whether a rule written for `rulePath` guards the route `routePattern`: the same pattern, or a
 * pattern under a wildcard's prefix ("/v1/*" guards "/v1/signup" and "/v1/accounts/:accountId/calls",
 * not "/v1" itself).
 */
export function rulePathCovers(rulePath: string, routePattern: string): boolean {
  if (!isWildcardPath(rulePath)) return rulePath === routePattern;
  const prefix = pathPrefix(rulePath);
  return routePattern.length > prefix.length && routePattern.startsWith(prefix);
}

/**
 * Whether some served route pattern is guarded by a rule written for `rulePath` (a rule for a route
 * that does not exist is kept, with a warning, and never applies).
 */
export function rulePathServed(rulePath: string, served: ReadonlySet<string>): boolean {
  if (!isWildcardPath(rulePath)) return served.has(rulePath);
  for (const pattern of served) if (rulePathCovers(rulePath, pattern)) return true;
  return false;
}

/** Route parameter names a path spells (":accountId" -> "accountId"), wildcard prefix included. */
export function routeParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
}
