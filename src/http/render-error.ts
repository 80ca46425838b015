/**
 * The one place errors become responses: {"error": {"code", "message", ...}} with the error's
 * status and headers. A TollgateError is shown as it is; anything else is logged and answered
 * 500 INTERNAL without internals. SERVICE_UNAVAILABLE (a store the handler needs did not answer)
 * is logged too, sampled, since it repeats on every request while the store is away.
 */
import type { IncomingMessage } from 'node:http';
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { TollgateError } from '../errors.js';
import { logSampler } from '../log-sampler.js';

export function renderErrors(logger: Logger, clock: Clock) {
  const report = errorReporter(logger, clock);
  return async function renderError(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
      if (ctx.body === undefined || ctx.body === null) {
        // The router answers unknown paths and methods with a bare status (and Allow); give them our shape.
        if (ctx.status === 404) throw new TollgateError('NOT_FOUND', `No route for ${ctx.method} ${ctx.path}`);
        if (ctx.status === 405 || ctx.status === 501) {
          throw new TollgateError('METHOD_NOT_ALLOWED', `${ctx.method} is not allowed on ${ctx.path}`, { status: ctx.status });
        }
      }
    } catch (caught) {
      respondWithError(ctx, report(caught, ctx.method, ctx.path));
    }
  };
}

/**
 * What a caught error is answered with, logged as it deserves: anything not a TollgateError as
 * INTERNAL (logged), SERVICE_UNAVAILABLE logged sampled. The app's renderer and the fast lane
 * (fast-lane.ts) share one, so both log the same way.
 */
export function errorReporter(logger: Logger, clock: Clock): (caught: unknown, method: string, path: string) => TollgateError {
  const sampleUnavailable = logSampler(clock);
  return (caught, method, path) => {
    const error = toTollgateError(caught);
    if (error.code === 'INTERNAL') logger.error({ err: caught, method, path }, 'request failed');
    if (error.code === 'SERVICE_UNAVAILABLE') {
      const suppressed = sampleUnavailable();
      if (suppressed !== undefined) logger.warn({ err: error.cause ?? error, suppressed, method, path }, 'a store the handler needs did not answer; answered 503');
    }
    return error;
  };
}

/** The fast lane's answer for an error a route raised (fast-lane.ts LaneOptions.failed): reported and rendered as renderErrors does. */
export function laneFailure(logger: Logger, clock: Clock): (caught: unknown, req: IncomingMessage, pattern: string) => { status: number; headers: ErrorAnswer['headers']; body: unknown } {
  const report = errorReporter(logger, clock);
  return (caught, req, pattern) => {
    const error = report(caught, req.method ?? 'POST', pattern);
    return { status: error.status, headers: error.headers, body: errorBody(error) };
  };
}

/** What an error response is made of: a TollgateError, or the same fields as plain data (verdict-response.ts's limitRefusal). */
export type ErrorAnswer = Pick<TollgateError, 'status' | 'publicCode' | 'message' | 'field' | 'details' | 'headers'>;

/**
 * An error's response: its status, its headers and the {"error": {...}} body. renderErrors gives
 * it for anything thrown; a guard whose refusal is an answer, not a fault (the throttle's
 * denials), gives it directly, since an exception unwinding through every middleware of the
 * chain costs more than the rest of a refusal.
 */
export function respondWithError(ctx: Context, error: ErrorAnswer): void {
  ctx.status = error.status;
  ctx.set(error.headers as Record<string, string>);
  ctx.body = errorBody(error);
}

/** The {"error": {"code", "message", ...}} body of an error response. */
export function errorBody(error: ErrorAnswer): { error: Record<string, unknown> } {
  return {
    error: {
      code: error.publicCode,
      message: error.message,
      ...(error.field === undefined ? {} : { field: error.field }),
      ...error.details,
    },
  };
}

function toTollgateError(caught: unknown): TollgateError {
  if (caught instanceof TollgateError) return caught;
  return new TollgateError('INTERNAL', 'Internal error', { cause: caught });
}
