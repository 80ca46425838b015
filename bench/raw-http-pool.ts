/**
 * The paced drivers' HTTP client: keep-alive TCP sockets and a minimal HTTP/1.1 parser instead of
 * node:http's request() and Agent. On the shared 2-core box at 5,000 requests/s, http.request cost
 * the load generator ~2.5 s CPU per 8 s and stalled its event loop (p99 9-11 ms, max 16-44 ms), and
 * those stalls landed in the latencies it measured, inflating the p99 reported for the service; the
 * raw-socket prototype cut that CPU to ~1.2 s and the measured p99 from 54-191 ms to 7-28 ms.
 *
 * Latency runs from send(), so a request waiting for a free socket counts its wait (paced-load.ts).
 * One request per socket (no pipelining), a FIFO queue behind. Bodies framed by content-length or
 * chunked are read; anything else (1xx interim answers, bodies ended by close, other codings) fails
 * its request and drops the socket, never a guess. No TLS, no redirects; POSTs from postRequest().
 */
import { connect, type Socket } from 'node:net';

export type OnAnswer = (status: number, body: string | undefined, latencyMs: number) => void;
export type OnError = (error: Error) => void;

/** readBodies: decode bodies (else onAnswer gets undefined); timeoutMs (10 s): write to whole answer, not the queue wait, as node:http. */
export interface RawHttpPoolOptions { host: string; port: number; connections: number; readBodies?: boolean; timeoutMs?: number }

/** The error of a request with no whole answer within timeoutMs (its socket is dropped). */
export class RequestTimeoutError extends Error { override name = 'RequestTimeoutError'; }

interface Pending { bytes: Buffer; onAnswer: OnAnswer; onError: OnError; sentAt: number; writtenAt: number }
interface Slot { socket: Socket | null; current: Pending | null; buf: Buffer | null; staleAt: number } // buf: a partial answer

export class RawHttpPool {
  private readonly slots: Slot[] = [];
  private readonly idle: Slot[] = [];
  private queue: Pending[] = [];
  private queueHead = 0;
  private closed = false;
  private readonly timeoutMs: number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: RawHttpPoolOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    for (let i = 0; i < options.connections; i++) this.slots.push(this.open({ socket: null, current: null, buf: null, staleAt: Infinity }));
    this.idle.push(...this.slots);
    // One sweep over the sockets instead of a timer per request (5,000 timers/s cost more).
    this.sweeper = setInterval(() => this.sweep(), Math.min(500, Math.max(5, this.timeoutMs / 10))).unref();
  }

  send(bytes: Buffer, onAnswer: OnAnswer, onError: OnError): void {
    if (this.closed) throw new Error('RawHttpPool: send() after close()');
    const pending: Pending = { bytes, onAnswer, onError, sentAt: performance.now(), writtenAt: 0 };
    const slot = this.idle.pop();
    if (slot) this.dispatch(slot, pending);
    else this.queue.push(pending);
  }

  /** Destroys every socket; requests in flight or queued get onError. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    const [queued, error] = [this.queue.slice(this.queueHead), new Error('RawHttpPool closed')];
    this.queue = [];
    for (const slot of this.slots) this.drop(slot, error); // release() no longer dispatches
    for (const pending of queued) pending.onError(error);
  }

  private open(slot: Slot): Slot {
    const socket = connect(this.options.port, this.options.host).setNoDelay(true);
    [slot.socket, slot.buf, slot.staleAt] = [socket, null, Infinity];
    // A socket replaced by a newer one (dropped, reopened) still emits; the identity check ignores it.
    const peerClosed = () => slot.socket === socket && this.drop(slot, new Error('socket closed by peer'));
    socket.on('data', (chunk: Buffer) => slot.socket === socket && this.receive(slot, chunk));
    socket.on('error', (error) => slot.socket === socket && this.drop(slot, error));
    socket.on('end', peerClosed).on('close', peerClosed);
    return slot;
  }

  private dispatch(slot: Slot, pending: Pending): void {
    pending.writtenAt = performance.now();
    // Near the server's keep-alive timeout a write could cross its close: a fresh socket (as node:http's Agent).
    if (pending.writtenAt >= slot.staleAt) this.drop(slot, new Error('stale')); // idle slot: nothing fails
    slot.current = pending;
    (slot.socket ?? this.open(slot).socket!).write(pending.bytes);
  }

  /** A slot whose request ended: the oldest queued request, or back to idle. */
  private release(slot: Slot): void {
    if (this.closed) return;
    const next = this.queue[this.queueHead];
    if (!next) return void this.idle.push(slot);
    this.queueHead++; // and the consumed head is cut now and then: a shift() per request is O(queue)
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) [this.queue, this.queueHead] = [this.queue.slice(this.queueHead), 0];
    this.dispatch(slot, next);
  }

  /** Destroys the slot's socket (the next request on it opens another) and fails its request if any. */
  private drop(slot: Slot, error: Error): void {
    slot.socket?.destroy();
    const pending = slot.current;
    [slot.socket, slot.buf, slot.current] = [null, null, null];
    if (!pending) return; // an idle slot stays on the idle stack
    pending.onError(error);
    this.release(slot);
  }

  private receive(slot: Slot, chunk: Buffer): void {
    const buf = slot.buf ? Buffer.concat([slot.buf, chunk]) : chunk;
    const pending = slot.current;
    if (!pending) return this.drop(slot, new Error('bytes received with no request in flight'));
    const parsed = parseResponse(buf, this.options.readBodies === true);
    if (parsed instanceof Error) return this.drop(slot, parsed);
    slot.buf = parsed ? null : buf;
    if (!parsed) return;
    slot.current = null;
    const now = performance.now();
    slot.staleAt = now + parsed.keepAliveMs - Math.min(1000, parsed.keepAliveMs / 2);
    pending.onAnswer(parsed.status, parsed.body, now - pending.sentAt);
    // Bytes past the answer belong to no request (no pipelining), and a closing socket would fail the next one.
    if (parsed.end < buf.length || parsed.close) this.drop(slot, new Error('no request in flight'));
    this.release(slot);
  }

  private sweep(): void {
    const late = performance.now() - this.timeoutMs;
    for (const slot of this.slots) if (slot.current && slot.current.writtenAt <= late) this.drop(slot, new RequestTimeoutError(`no answer in ${this.timeoutMs} ms`));
  }
}

/** `end`: offset just past the answer; `close`: `connection: close`; `keepAliveMs`: `keep-alive: timeout=` (or Infinity). */
export interface ParsedResponse { status: number; body: string | undefined; end: number; close: boolean; keepAliveMs: number }
const HEAD_END = '\r\n\r\n';

/** One HTTP/1.1 answer at the start of `buf`: parsed, undefined while incomplete, or an Error it cannot be read as. */
export function parseResponse(buf: Buffer, readBody: boolean): ParsedResponse | undefined | Error {
  const headEnd = buf.indexOf(HEAD_END);
  if (headEnd < 0) return buf.length > 64 * 1024 ? new Error('response head over 64 KiB') : undefined;
  const head = buf.toString('latin1', 0, headEnd);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1]);
  if (!(status >= 200)) return new Error(`not an HTTP/1.x final status line (no 1xx support): ${JSON.stringify(head.slice(0, 40))}`);
  let [length, coding, close, keepAliveMs] = [-1, undefined as string | undefined, false, Infinity];
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') {
      if (!/^\d+$/.test(value) || (length >= 0 && Number(value) !== length)) return new Error(`bad content-length: ${value}`);
      length = Number(value);
    } else if (name === 'transfer-encoding') coding = value.toLowerCase();
    else if (name === 'connection') close = /(^|,)\s*close\s*(,|$)/i.test(value);
    else if (name === 'keep-alive') keepAliveMs = Number(/timeout=(\d+)/i.exec(value)?.[1] ?? Infinity) * 1000;
  }
  const bodyStart = headEnd + HEAD_END.length;
  const framing = { status, close, keepAliveMs };
  if (status === 204 || status === 304) return { ...framing, body: readBody ? '' : undefined, end: bodyStart };
  // Transfer-encoding wins over content-length (RFC 9112 6.3).
  if (coding !== undefined) return coding === 'chunked' ? parseChunked(buf, bodyStart, readBody, framing) : new Error(`transfer-encoding ${coding} is not supported`);
  if (length < 0) return new Error('answer without content-length or chunked (read-until-close) is not supported');
  const end = bodyStart + length;
  if (buf.length < end) return undefined;
  return { ...framing, body: readBody ? buf.toString('utf8', bodyStart, end) : undefined, end };
}

function parseChunked(buf: Buffer, start: number, readBody: boolean, framing: Omit<ParsedResponse, 'body' | 'end'>): ParsedResponse | undefined | Error {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', at);
    if (lineEnd < 0) return buf.length - at > 1024 ? new Error('chunk size line over 1 KiB') : undefined;
    const sizeText = buf.toString('latin1', at, lineEnd).split(';')[0]!.trim(); // ;extensions ignored
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) return new Error(`bad chunk size: ${JSON.stringify(sizeText)}`);
    const size = parseInt(sizeText, 16);
    at = lineEnd + 2;
    if (size === 0) {
      // Optional trailer fields, then an empty line: the last-chunk line's CRLF starts the HEAD_END.
      const trailersEnd = buf.indexOf(HEAD_END, at - 2);
      if (trailersEnd < 0) return undefined;
      return { ...framing, body: readBody ? Buffer.concat(parts).toString('utf8') : undefined, end: trailersEnd + HEAD_END.length };
    }
    if (buf.length < at + size + 2) return undefined;
    if (buf[at + size] !== 13 || buf[at + size + 1] !== 10) return new Error('chunk data not followed by CRLF');
    if (readBody) parts.push(buf.subarray(at, at + size));
    at += size + 2;
  }
}

/** Host and port of an http: URL (no TLS here), for RawHttpPoolOptions. */
export function hostPort(url: URL): { host: string; port: number } {
  if (url.protocol !== 'http:') throw new Error(`RawHttpPool speaks http: only, not ${url.protocol}`);
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || 80) };
}

/** A POST with a JSON body; content-length is the body's UTF-8 byte length. */
export function postRequest(host: string, path: string, headers: Record<string, string>, body: string): Buffer {
  let head = `POST ${path} HTTP/1.1\r\nhost: ${host}\r\n`;
  let typed = false;
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (/^(host|content-length|transfer-encoding)$/.test(lower) || /[\r\n]/.test(name + value)) throw new Error(`postRequest: header ${name} is its own or holds CR/LF`);
    typed ||= lower === 'content-type';
    head += `${name}: ${value}\r\n`;
  }
  if (!typed) head += 'content-type: application/json\r\n';
  return Buffer.from(`${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
