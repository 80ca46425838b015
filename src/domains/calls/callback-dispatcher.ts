/**
 * Delivers status callbacks in the background of this process: `dispatch` returns at once, so an
 * API response never waits on a customer's web server. A delivery is retried after each of
 * `retryDelaysMs` on a network error, a timeout or a 5xx; a 2xx delivers it; any other answer
 * (3xx, 4xx) is the receiver's final word and is not retried. A delivery that gives up is logged.
 * `stop` cancels pending retries and in-flight attempts and waits until every delivery has
 * settled, so shutdown and test teardown leave nothing running.
 *
 * Connections use the URL policy's `lookup`, which refuses non-public addresses at connect time.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallbackMethod } from './call.js';

export interface CallbackRequest {
  url: string;
  method: CallbackMethod;
  /** Form fields (POST) or query parameters (GET). */
  params: Readonly<Record<string, string>>;
}

/** What the dispatcher logs through (a pino Logger is one). */
export interface CallbackLogger {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface CallbackDispatcherOptions {
  /** Waits before the 2nd, 3rd, ... attempt; their count is the number of retries. */
  retryDelaysMs: readonly number[];
  /** One attempt's limit, connection to response headers. */
  attemptTimeoutMs?: number;
  /** Deliveries in flight or waiting to retry beyond which new ones are dropped (and logged). */
  maxPending?: number;
  lookup: LookupFunction | undefined;
  logger: CallbackLogger;
}

export interface CallbackDispatcher {
  dispatch(request: CallbackRequest): void;
  stop(): Promise<void>;
}

type Outcome = { delivered: true } | { delivered: false; retry: boolean; detail: string };

export function createCallbackDispatcher(options: CallbackDispatcherOptions): CallbackDispatcher {
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 5_000;
  const maxPending = options.maxPending ?? 10_000;
  const stopping = new AbortController();
  const pending = new Set<Promise<void>>();
  const { logger } = options;

  async function deliver(request: CallbackRequest): Promise<void> {
    const where = { url: safeUrl(request.url), callSid: request.params.CallSid, status: request.params.CallStatus };
    for (let attempt = 1; ; attempt++) {
      const outcome = await attemptOnce(request, attemptTimeoutMs, options.lookup, stopping.signal);
      if (outcome.delivered) return;
      if (stopping.signal.aborted) return logger.warn({ ...where, attempts: attempt }, 'status callback cancelled by shutdown');
      if (!outcome.retry) return logger.warn({ ...where, attempts: attempt, answer: outcome.detail }, 'status callback refused by its receiver; not retried');
      const delay = options.retryDelaysMs[attempt - 1];
      if (delay === undefined) return logger.error({ ...where, attempts: attempt, lastError: outcome.detail }, 'status callback failed after every retry');
      const waited = await sleep(delay, true, { signal: stopping.signal }).catch(() => false);
      if (!waited) return logger.warn({ ...where, attempts: attempt }, 'status callback cancelled by shutdown');
    }
  }

  return {
    dispatch(request) {
      if (stopping.signal.aborted || pending.size >= maxPending) {
        logger.warn({ url: safeUrl(request.url), callSid: request.params.CallSid, pending: pending.size }, 'status callback dropped (shutting down, or too many pending)');
        return;
      }
      const task: Promise<void> = deliver(request)
        .catch((error: unknown) => logger.error({ err: error, url: safeUrl(request.url) }, 'status callback delivery crashed'))
        .finally(() => pending.delete(task));
      pending.add(task);
    },
    async stop() {
      stopping.abort();
      await Promise.allSettled([...pending]);
    },
  };
}

/** One HTTP request; never rejects. */
function attemptOnce(request: CallbackRequest, timeoutMs: number, lookup: LookupFunction | undefined, signal: AbortSignal): Promise<Outcome> {
  return new Promise((resolve) => {
    const target = new URL(request.url);
    const form = new URLSearchParams(request.params as Record<string, string>);
    let body: string | undefined;
    if (request.method === 'GET') for (const [name, value] of form) target.searchParams.append(name, value);
    else body = form.toString();
    const headers: Record<string, string | number> = { 'user-agent': 'tollgate-status-callbacks' };
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) });

    let settled = false;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const send = target.protocol === 'https:' ? https.request : http.request;
    const req = send(target, { method: request.method, headers, signal, ...(lookup ? { lookup } : {}) }, (res) => {
      const status = res.statusCode ?? 0;
      // Only the status matters; the receiver's body is not read.
      res.destroy();
      if (status >= 200 && status < 300) finish({ delivered: true });
      else finish({ delivered: false, retry: status >= 500, detail: `HTTP ${status}` });
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (error) => finish({ delivered: false, retry: true, detail: error.message }));
    req.end(body);
  });
}

/** The URL without credentials or query (they may hold secrets) for logs. */
function safeUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.origin}${url.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
