/**
 * The one error type tollgate raises on purpose. Every failure a caller can see has a code from
 * this closed set; http/render-error.ts is the one place that turns it into a response.
 * The table of codes, statuses and what to do is in docs/errors.md.
 */
export type ErrorCode =
  | 'REQUEST_LIMIT_REACHED'
  | 'INVALID_REQUEST'
  | 'INVALID_RULE'
  | 'PRECONDITION_FAILED'
  | 'UNAUTHORIZED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'CALL_ENDED'
  | 'CONFERENCE_ENDED'
  | 'STATE_CONFLICT'
  | 'THROTTLE_UNAVAILABLE'
  | 'ALL_CARRIERS_BUSY'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL';

const defaultStatus: Record<ErrorCode, number> = {
  REQUEST_LIMIT_REACHED: 429,
  INVALID_REQUEST: 400,
  INVALID_RULE: 400,
  PRECONDITION_FAILED: 412,
  UNAUTHORIZED: 401,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CALL_ENDED: 409,
  CONFERENCE_ENDED: 409,
  STATE_CONFLICT: 409,
  THROTTLE_UNAVAILABLE: 503,
  ALL_CARRIERS_BUSY: 503,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL: 500,
};

export interface TollgateErrorOptions {
  /** HTTP status; defaults to the code's status in the table above. */
  status?: number;
  /**
   * The code written on the wire. A rule may rename REQUEST_LIMIT_REACHED for its API
   * (error.code in the rule); the kind (`code`) stays from the closed set.
   */
  publicCode?: string;
  /** The request field at fault, for INVALID_REQUEST. */
  field?: string;
  /** Extra members of the error body (rule, limit, window, retryAfter). */
  details?: Record<string, unknown>;
  /** Response headers that belong to this error (Retry-After, RateLimit). */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class TollgateError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly publicCode: string;
  readonly field: string | undefined;
  readonly details: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;
  /** Koa's convention: the message may be shown to the client. */
  readonly expose = true;

  constructor(code: ErrorCode, message: string, options: TollgateErrorOptions = {}) {
    const restoreStacks = withoutStackFor(code);
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    restoreStacks();
    this.name = 'TollgateError';
    this.code = code;
    this.status = options.status ?? defaultStatus[code];
    this.publicCode = options.publicCode ?? code;
    this.field = options.field;
    this.details = options.details ?? {};
    this.headers = options.headers ?? {};
  }
}

/**
 * A refusal over a limit is an answer, not a fault: nobody reads its stack, and capturing one
 * (V8 walks every frame of the Koa middleware chain) was the largest item of tollgate's own code
 * in a CPU profile of the denied path (about 6% of all samples). Other codes keep their stacks.
 */
function withoutStackFor(code: ErrorCode): () => void {
  if (code !== 'REQUEST_LIMIT_REACHED') return () => {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  return () => {
    Error.stackTraceLimit = limit;
  };
}

export function invalidRequest(field: string, message: string): TollgateError {
  return new TollgateError('INVALID_REQUEST', message, { field });
}

export function notFound(what: string): TollgateError {
  return new TollgateError('NOT_FOUND', `${what} not found`);
}

/** A store a handler needs did not answer (unreachable, quorum lost, too slow): retry, not a bug. */
export function serviceUnavailable(what: string, cause: unknown): TollgateError {
  return new TollgateError('SERVICE_UNAVAILABLE', `${what} cannot be reached right now; try again shortly.`, { headers: { 'Retry-After': '1' }, cause });
}
