/**
 * Helpers for the CDR route tests: CDRs seeded straight into the store, a repository that counts
 * what its export streams have yielded (to show backpressure), a reader that can stop reading,
 * and the export formats parsed back.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, get, type IncomingMessage, type RequestListener } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { Cdr, CdrPage, CdrRepository, TimeRange } from '../../src/domains/cdrs/cdr.js';
import { newSid } from '../../src/domains/shared/sids.js';
import { serviceUnavailable } from '../../src/errors.js';

/** The i-th of a run of made-up CDRs (durations 5-904 s, priced per started minute), created at `ms`. */
export function sampleCdr(accountId: string, ms: number, i: number): Cdr {
  const seconds = 5 + ((i * 37) % 900);
  return {
    callSid: newSid('CA', ms),
    accountId,
    from: '+14155550100',
    to: `+1415555${String(1000 + (i % 9000)).padStart(4, '0')}`,
    direction: 'outbound-api',
    startTimeMs: ms,
    endTimeMs: ms + seconds * 1000,
    durationSeconds: seconds,
    price: `-${(Math.ceil(seconds / 60) * 0.03).toFixed(5)}`,
    priceUnit: 'USD',
    status: 'completed',
  };
}

/** CDRs of `accountId`, one every `stepMs` going back from `newestMs` (newest first), recorded `concurrency` at a time. */
export async function seedCdrs(repo: CdrRepository, accountId: string, count: number, newestMs: number, stepMs: number, concurrency = 64): Promise<Cdr[]> {
  const cdrs = Array.from({ length: count }, (_, i) => sampleCdr(accountId, newestMs - i * stepMs, i));
  for (let i = 0; i < cdrs.length; i += concurrency) await Promise.all(cdrs.slice(i, i + concurrency).map((cdr) => repo.record(cdr)));
  return cdrs;
}

/**
 * Wraps a repository and counts the CDRs its streams have handed out, and the streams that ended
 * (finally ran). With `failAfter`, a stream fails as the store would once it has yielded that many.
 */
export class CountingCdrRepository implements CdrRepository {
  yielded = 0;
  streamsEnded = 0;
  failAfter: number | undefined;
  constructor(private readonly inner: CdrRepository) {}
  record(cdr: Cdr): Promise<void> {
    return this.inner.record(cdr);
  }
  get(accountId: string, callSid: string): Promise<Cdr | undefined> {
    return this.inner.get(accountId, callSid);
  }
  list(accountId: string, range: TimeRange, pageSize: number, position?: unknown): Promise<CdrPage> {
    return this.inner.list(accountId, range, pageSize, position);
  }
  async *stream(accountId: string, range: TimeRange): AsyncIterable<Cdr> {
    try {
      for await (const cdr of this.inner.stream(accountId, range)) {
        if (this.yielded === this.failAfter) throw serviceUnavailable('Call detail records', new Error('node down'));
        this.yielded++;
        yield cdr;
      }
    } finally {
      this.streamsEnded++;
    }
  }
}

/**
 * The app served on a Unix socket. A slow reader on loopback TCP is a poor witness of
 * backpressure: Linux grows a loopback connection's send buffer to megabytes (tcp_wmem), which
 * would hold most of an export before the service felt anything. A Unix socket's buffer is fixed
 * (net.core.wmem_default, about 200 KiB), so what the service reads beyond it is its own doing.
 */
export async function serveOnUnixSocket(callback: RequestListener): Promise<{ socketPath: string; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-cdrs-'));
  const socketPath = join(dir, 'app.sock');
  const server = createServer(callback);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface PausedResponse {
  response: IncomingMessage;
  /** The chunks received so far. */
  received(): Buffer[];
}

/** A GET whose body is read only when asked: the response arrives paused after its first chunk. */
export function openPaused(path: string, headers: Record<string, string>, socketPath: string): Promise<PausedResponse> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    get({ socketPath, path, headers }, (response) => {
      response.once('data', (chunk: Buffer) => {
        chunks.push(chunk);
        response.pause();
        response.on('data', (more: Buffer) => chunks.push(more));
        resolve({ response, received: () => chunks });
      });
      response.once('error', reject);
    }).once('error', reject);
  });
}

/** Resumes a paused response and waits for its end (which may have come already, for a short body). */
export async function readToEnd(opened: PausedResponse): Promise<string> {
  opened.response.resume();
  await finished(opened.response);
  return Buffer.concat(opened.received()).toString('utf8');
}

/** Polls `value` until it has not changed for `quietMs`; returns it. */
export async function settled(value: () => number, quietMs = 500, stepMs = 50): Promise<number> {
  let last = value();
  let quiet = 0;
  while (quiet < quietMs) {
    await new Promise((resolve) => setTimeout(resolve, stepMs));
    const now = value();
    quiet = now === last ? quiet + stepMs : 0;
    last = now;
  }
  return last;
}

/** CSV as csv-stringify writes it: a header row, then records; fields quoted when they hold a comma or a quote. */
export function parseCsv(text: string): Array<Record<string, string>> {
  const [header, ...records] = text.split('\n').filter((line) => line !== '').map(csvFields);
  return records.map((record) => Object.fromEntries(header!.map((name, i) => [name, record[i]!])));
}

function csvFields(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      for (i++; i < line.length && !(line[i] === '"' && line[i + 1] !== '"'); i++) field += line[i] === '"' ? line[++i] : line[i];
      i++; // the closing quote
    } else {
      for (; i < line.length && line[i] !== ','; i++) field += line[i];
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

/** NDJSON: one JSON object per line, every line ended by a newline. */
export function parseNdjson(text: string): unknown[] {
  if (text !== '' && !text.endsWith('\n')) throw new Error('NDJSON export does not end with a newline');
  return text.split('\n').slice(0, -1).map((line) => JSON.parse(line) as unknown);
}
