/**
 * createRouteMatcher(routes): resolves a concrete path ("/v1/accounts/AC1/calls") to the route
 * pattern of the registry that the service would run ("/v1/accounts/:accountId/calls") and its
 * parameters, with @koa/router itself and the options create-app.ts gives it (case-sensitive,
 * strict about trailing slashes), so that a spelling the service answers 404 finds no route here
 * either. Of several patterns matching one path, the first registered runs, as in the service.
 */
import Router from '@koa/router';
import { METHODS } from 'node:http';
import type { ApiRoute } from '../http/api-route.js';

export type RouteMatch =
  | { kind: 'route'; route: ApiRoute; params: Record<string, string> }
  /** The path is served, but not for this method (405, with these methods in Allow). */
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' };

export type RouteMatcher = (method: string, path: string) => RouteMatch;

export function createRouteMatcher(routes: readonly ApiRoute[]): RouteMatcher {
  // Keep in step with createApp's router (src/http/create-app.ts).
  const router = new Router({ sensitive: true, strict: true, methods: METHODS });
  const byName = new Map<string, ApiRoute>();
  for (const route of routes) {
    router.register(route.path, [route.method], [async () => undefined], { name: route.operationId });
    byName.set(route.operationId, route);
  }
  return (method, path) => {
    const match = router.match(path, method.toUpperCase());
    const layer = match.pathAndMethod.find((candidate) => candidate.methods.length > 0);
    const route = layer?.name === undefined ? undefined : byName.get(layer.name);
    if (layer && route) return { kind: 'route', route, params: layer.params(path, layer.captures(path)) };
    const allowed = [...new Set(match.path.flatMap((candidate) => candidate.methods))];
    return allowed.length > 0 ? { kind: 'method-not-allowed', allowed } : { kind: 'not-found' };
  };
}
