/**
 * checkEdge(route, request): what the service's edge does to a request before its throttle, for
 * a request given on the command line: read the JSON body (refusing what json-body.ts refuses:
 * no body where one is required, text that is not JSON, duplicate or prototype keys, deep
 * nesting) and validate the body and the query with the route's own schemas, through the very
 * middleware the router runs (validate-body.ts, validate-query.ts), which read nothing of the
 * context but the body and the query. Authentication and a route's precheck are not run: they
 * need credentials and stored resources.
 */
import type { Context } from 'koa';
import { TollgateError, invalidRequest } from '../errors.js';
import type { ApiRoute } from '../http/api-route.js';
import { parseJsonText } from '../http/json-body.js';
import { validateBody } from '../http/validate-body.js';
import { validateQuery } from '../http/validate-query.js';

export interface EdgeInput {
  /** The JSON body as sent, or undefined for none. */
  bodyText: string | undefined;
  query: Readonly<Record<string, string | readonly string[]>>;
}

export type EdgeResult =
  /** What the throttle reads: the body (undefined on a route that takes none) and the query as sent. */
  | { ok: true; body: unknown }
  | { ok: false; error: TollgateError };

export async function checkEdge(route: ApiRoute, input: EdgeInput): Promise<EdgeResult> {
  try {
    const body = route.body ? readBody(input.bodyText, route.bodyRequired !== false) : undefined;
    // A fake context carrying only what the two validators read.
    const ctx = { state: { body }, query: { ...input.query } } as unknown as Context;
    const next = async () => undefined;
    if (route.body) await validateBody(route.body)(ctx, next);
    if (route.query) await validateQuery(route.query)(ctx, next);
    return { ok: true, body };
  } catch (error) {
    if (error instanceof TollgateError) return { ok: false, error };
    throw error;
  }
}

/** As json-body.ts reads a body (its messages), for a body given as text. */
function readBody(text: string | undefined, required: boolean): unknown {
  if (text === undefined || text === '') {
    if (required) throw invalidRequest('body', 'Request body is required');
    return {};
  }
  return parseJsonText(text);
}
