/**
 * countHttpRequests: the first middleware of the app, so it sees every request, the status the
 * error renderer chose and the time the whole chain took. Requests are labelled by the route
 * pattern the router matched ("/v1/accounts/:accountId/calls"), or "unmatched" (404, 405): never
 * by the raw URL, whose paths, ids and query would make the label values unbounded and could
 * carry a phone number or a token.
 */
import { METHODS } from 'node:http';
import type { Context, Middleware, Next } from 'koa';

/** Told every finished request: route pattern, method, status and duration. */
export type HttpObserver = (route: string, method: string, status: number, seconds: number) => void;

/** The label of a request no route matched. */
export const UNMATCHED_ROUTE = 'unmatched';

// Node's parser only lets these through; the guard keeps the label bounded should that change.
const KNOWN_METHODS: ReadonlySet<string> = new Set(METHODS);

export function countHttpRequests(observe: HttpObserver): Middleware {
  return async function countHttpRequests(ctx: Context, next: Next): Promise<void> {
    const started = performance.now();
    let status: number | undefined;
    try {
      await next();
    } catch (error) {
      // Only reached if an error gets past the renderer; Koa then answers with the error's status or 500.
      status = statusOf(error);
      throw error;
    } finally {
      const route = typeof ctx._matchedRoute === 'string' ? ctx._matchedRoute : UNMATCHED_ROUTE;
      const method = KNOWN_METHODS.has(ctx.method) ? ctx.method : 'OTHER';
      observe(route, method, status ?? ctx.status, (performance.now() - started) / 1000);
    }
  };
}

function statusOf(error: unknown): number {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}
