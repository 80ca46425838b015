/**
 * Reads a JSON request body once, with a size limit, into ctx.state.body. Wrong content type,
 * charset or encoding: 415; over the limit: 413; not JSON, duplicate or prototype keys, deep
 * nesting: 400 (json-guard.ts). Nothing downstream (throttle, handler) runs for a body that
 * fails here, so a bad request is never counted and never written.
 */
import type { IncomingMessage } from 'node:http';
import type { Context, Next } from 'koa';
import getRawBody from 'raw-body';
import { TollgateError, invalidRequest } from '../errors.js';
import { findJsonProblem } from './json-guard.js';

export const MAX_BODY_BYTES = 1024 * 1024;

export function jsonBody(limitBytes = MAX_BODY_BYTES) {
  return async function readJsonBody(ctx: Context, next: Next): Promise<void> {
    const type = ctx.is('application/json');
    // Koa answers null when the request has no body at all; Content-Length: 0 is no body either.
    if (type === null || ctx.request.length === 0) throw invalidRequest('body', 'Request body is required');
    if (type === false) throw new TollgateError('UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json');
    const charset = ctx.request.charset;
    if (charset && charset.toLowerCase() !== 'utf-8') throw new TollgateError('UNSUPPORTED_MEDIA_TYPE', 'Content-Type charset must be utf-8');
    const encoding = ctx.get('content-encoding');
    if (encoding && encoding.toLowerCase() !== 'identity') throw new TollgateError('UNSUPPORTED_MEDIA_TYPE', 'Content-Encoding is not supported; send the body uncompressed');
    const preRead = (ctx.req as PreReadRequest)[PRE_READ];
    let text: string;
    try {
      text = preRead ? textOf(preRead, limitBytes) : await getRawBody(ctx.req, { length: ctx.get('content-length') || undefined, limit: limitBytes, encoding: 'utf-8' });
    } catch (error) {
      const type = (error as { type?: string }).type;
      if (type === 'entity.too.large') throw new TollgateError('PAYLOAD_TOO_LARGE', `Request body is larger than ${limitBytes} bytes`);
      throw invalidRequest('body', `Request body could not be read: ${(error as Error).message}`);
    }
    ctx.state.body = parseJsonText(text);
    await next();
  };
}

/** The bytes the fast lane (fast-lane.ts) read before it handed the request to the app, or the error of that read. */
export type PreReadBody = { bytes: Buffer } | { error: Error };
const PRE_READ = Symbol('tollgate.preReadBody');
type PreReadRequest = IncomingMessage & { [PRE_READ]?: PreReadBody };

/** Leaves the body already read from `req` for jsonBody, which then reads no stream. */
export function handOverBody(req: IncomingMessage, body: PreReadBody): void {
  (req as PreReadRequest)[PRE_READ] = body;
}

/** As raw-body decodes: UTF-8, a byte order mark dropped; its errors and limit too. */
function textOf(preRead: PreReadBody, limitBytes: number): string {
  if ('error' in preRead) throw preRead.error;
  const { bytes } = preRead;
  if (bytes.length > limitBytes) throw Object.assign(new Error('request entity too large'), { type: 'entity.too.large' });
  return (startsWithBom(bytes) ? bytes.subarray(3) : bytes).toString('utf8');
}

/** A UTF-8 byte order mark first: raw-body drops it (the fast lane leaves such a body to the app). */
export function startsWithBom(bytes: Buffer): boolean {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/** A body's text as JSON, refused (400 naming the path) when it is not JSON or json-guard.ts finds it hostile. */
export function parseJsonText(text: string): unknown {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw invalidRequest('body', `Request body is not valid JSON: ${(error as Error).message}`);
  }
  const problem = findJsonProblem(text);
  if (problem) throw invalidRequest(problem.path, `Request body refused: ${problem.reason}`);
  return body;
}
