/**
 * The fast lane: a request listener in front of the Koa app that answers, without the app, the
 * requests whose answer needs none of it: a refusal the throttle already knows from memory, and
 * the decision API's checks (lane-routes.ts says which). Koa's context, its middleware chain,
 * the router's matching of every pattern and its per-request composition cost about a third of a
 * refusal's CPU (docs/performance.md), and a flood of refusals is exactly when that matters.
 *
 * The lane only ever takes the plain case, and hands anything else to the app before anything is
 * counted or written: a method and path it serves exactly (no query), a JSON body with a length
 * within the limit, no transfer or content encoding. It reads the body itself and, when the route
 * does not answer (undefined: not known refused, not valid, not authorised), gives the app the
 * bytes it read (json-body.ts takes them instead of the stream), so the app decides and renders
 * as if the lane were not there. An answer is rendered as Koa renders a JSON body (the same
 * headers in the same order) and counted in the HTTP metrics under the route's pattern.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { MAX_BODY_BYTES, handOverBody, parseJsonText, startsWithBom, type PreReadBody } from './json-body.js';
import type { HttpObserver } from './http-metrics.js';

export interface LaneAnswer {
  status: number;
  headers?: Readonly<Record<string, string>> | undefined;
  body: unknown;
}

export interface LaneRoute {
  /** The route pattern (metrics label). */
  pattern: string;
  /** Checked before the body is read; false hands the request to the app unread (a missing service token). */
  admits?: (req: IncomingMessage) => boolean;
  /**
   * The answer for this body, or undefined to hand the request to the app. Undefined must mean
   * that nothing was counted or written; a rejection after that is rendered by `failed`.
   */
  answer: (req: IncomingMessage, body: unknown) => LaneAnswer | undefined | Promise<LaneAnswer | undefined>;
}

export interface LaneOptions {
  observe?: HttpObserver | undefined;
  /** The answer for an error a route raised (render-error.ts: logged as the app would). */
  failed: (error: unknown, req: IncomingMessage, pattern: string) => LaneAnswer;
}

const JSON_TYPE = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
const DIGITS = /^\d{1,8}$/;

/** The routes by "METHOD path" (their exact, parameterless pattern). */
export function fastLane(app: RequestListener, routes: ReadonlyMap<string, LaneRoute>, options: LaneOptions): RequestListener {
  return function fastLaneListener(req, res) {
    const route = routes.get(`${req.method} ${req.url}`);
    if (route === undefined || !plainJsonBody(req) || (route.admits && !route.admits(req))) return void app(req, res);
    const started = performance.now();
    const chunks: Buffer[] = [];
    // One of 'error' and 'end' decides, whichever comes first (a reset can follow the end).
    let settled = false;
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('error', (error) => {
      if (!settled) handOver(app, req, res, { error });
      settled = true;
    });
    req.once('end', () => {
      if (settled) return;
      settled = true;
      const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      const body = parsedOrUndefined(bytes);
      if (body === undefined) return handOver(app, req, res, { bytes });
      let answered: LaneAnswer | undefined | Promise<LaneAnswer | undefined>;
      try {
        answered = route.answer(req, body);
      } catch (error) {
        answered = Promise.reject(error);
      }
      if (answered === undefined) return handOver(app, req, res, { bytes });
      if (!(answered instanceof Promise)) return send(res, answered, route, req, started, options);
      answered.then(
        (answer) => (answer === undefined ? handOver(app, req, res, { bytes }) : send(res, answer, route, req, started, options)),
        (error: unknown) => send(res, options.failed(error, req, route.pattern), route, req, started, options),
      );
    });
  };
}

/** The body headers the lane takes: a JSON body of known length, within the limit, unencoded. */
function plainJsonBody(req: IncomingMessage): boolean {
  const { headers } = req;
  const length = headers['content-length'];
  if (length === undefined || !DIGITS.test(length) || headers['transfer-encoding'] !== undefined) return false;
  const bytes = Number(length);
  if (bytes === 0 || bytes > MAX_BODY_BYTES) return false;
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return false;
  const type = headers['content-type'];
  return type !== undefined && JSON_TYPE.test(type);
}

/** The body as JSON, or undefined when the app's reader would refuse it or decode it otherwise (a BOM). */
function parsedOrUndefined(bytes: Buffer): unknown {
  if (startsWithBom(bytes)) return undefined;
  try {
    return parseJsonText(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

function handOver(app: RequestListener, req: IncomingMessage, res: ServerResponse, body: PreReadBody): void {
  handOverBody(req, body);
  void app(req, res);
}

/**
 * As Koa answers a JSON body: the route's headers, then Content-Type and Content-Length. A header
 * Node refuses is the route's fault, answered as any failure (not thrown into a stream callback).
 */
function send(res: ServerResponse, answer: LaneAnswer, route: LaneRoute, req: IncomingMessage, started: number, options: LaneOptions): void {
  let status = answer.status;
  try {
    write(res, answer);
  } catch (error) {
    if (res.headersSent) return void res.destroy(error as Error);
    const failure = options.failed(error, req, route.pattern);
    status = failure.status;
    write(res, failure);
  }
  options.observe?.(route.pattern, req.method!, status, (performance.now() - started) / 1000);
}

function write(res: ServerResponse, answer: LaneAnswer): void {
  const text = JSON.stringify(answer.body);
  const headers: Record<string, string | number> = { ...answer.headers };
  headers['Content-Type'] = 'application/json; charset=utf-8';
  headers['Content-Length'] = Buffer.byteLength(text);
  res.writeHead(answer.status, headers);
  res.end(text);
}
