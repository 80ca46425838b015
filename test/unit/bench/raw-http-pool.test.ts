/**
 * The paced drivers' raw-socket client (bench/raw-http-pool.ts) against real servers on port 0:
 * node:http for ordinary answers (content-length, chunked, a destroyed socket, a hang), raw
 * node:net where node:http cannot be made to misbehave (an answer trickling in byte by byte, two
 * answers in one write, a body ended by close). A mis-parse must show as a wrong answer or a
 * failure, never as a request answered with another's bytes.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseResponse, postRequest, RawHttpPool, RequestTimeoutError, type RawHttpPoolOptions } from '../../../bench/raw-http-pool.js';

type Outcome = { status: number; body: string | undefined; latencyMs: number } | { error: Error };

const servers: Server[] = [];
const pools: RawHttpPool[] = [];
afterEach(async () => {
  for (const pool of pools.splice(0)) pool.close();
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
});

/** Starts `server` on 127.0.0.1:0 and counts the connections it accepts. */
async function listen<S extends Server>(server: S) {
  const seen = { connections: 0 };
  server.on('connection', (socket: Socket) => {
    seen.connections++;
    socket.on('error', () => {}); // the pool destroys sockets: resets are expected
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { port: (server.address() as AddressInfo).port, seen, server };
}

/** A node:http server; `handle` gets the request's body. */
function httpServer(handle: (body: string, req: IncomingMessage, res: ServerResponse) => void) {
  return listen(
    createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => handle(Buffer.concat(chunks).toString('utf8'), req, res));
    }),
  );
}

/** A raw server: `answer` gets each whole request's body (after its content-length) and the socket. */
function rawServer(answer: (body: string, socket: Socket) => void) {
  return listen(
    createNetServer((socket) => {
      let buf = Buffer.alloc(0);
      socket.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        const headEnd = buf.indexOf('\r\n\r\n');
        const length = Number(/content-length: (\d+)/i.exec(buf.toString('latin1', 0, headEnd))?.[1]);
        if (headEnd < 0 || buf.length < headEnd + 4 + length) return;
        const body = buf.toString('utf8', headEnd + 4, headEnd + 4 + length);
        buf = buf.subarray(headEnd + 4 + length);
        answer(body, socket);
      });
    }),
  );
}

function poolOn(port: number, options: Partial<RawHttpPoolOptions> = {}) {
  const pool = new RawHttpPool({ host: '127.0.0.1', port, connections: 1, readBodies: true, ...options });
  pools.push(pool);
  const ask = (body: string, headers: Record<string, string> = {}) =>
    new Promise<Outcome>((done) =>
      pool.send(postRequest(`127.0.0.1:${port}`, '/echo', headers, body), (status, answer, latencyMs) => done({ status, body: answer, latencyMs }), (error) => done({ error })),
    );
  return { pool, ask };
}

const answerOf = (status: number, body: string, extra = '') => `HTTP/1.1 ${status} X\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('RawHttpPool', () => {
  it('answers more requests than sockets, one at a time per socket, in turn, counting the queue wait in latency', async () => {
    let active = 0;
    let peak = 0;
    const { port, seen } = await httpServer((body, _req, res) => {
      peak = Math.max(peak, ++active);
      setTimeout(() => {
        active--;
        res.writeHead(body.endsWith('7') ? 418 : 201, { 'content-type': 'application/json' }).end(JSON.stringify({ echo: body }));
      }, 20);
    });
    const { ask } = poolOn(port, { connections: 2 });
    const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => ask(`r${i}`)));
    expect(outcomes).toEqual(Array.from({ length: 8 }, (_, i) => ({ status: i === 7 ? 418 : 201, body: `{"echo":"r${i}"}`, latencyMs: expect.any(Number) })));
    expect(seen.connections).toBe(2);
    expect(peak).toBe(2);
    // 8 requests of 20 ms over 2 sockets: the last pair waited for three pairs before it.
    expect(Math.max(...outcomes.map((o) => ('latencyMs' in o ? o.latencyMs : 0)))).toBeGreaterThanOrEqual(75);
  });

  it('sends content-length as UTF-8 bytes, the given headers, and decodes bodies only when asked', async () => {
    const { port } = await httpServer((body, req, res) => res.end(`${req.headers['content-length']}|${req.headers['content-type']}|${req.headers['x-device']}|${body}`));
    expect(await poolOn(port).ask('{"n":"é€"}', { 'x-device': 'd1' })).toMatchObject({ status: 200, body: '13|application/json|d1|{"n":"é€"}' });
    expect(await poolOn(port, { readBodies: false }).ask('{}')).toMatchObject({ status: 200, body: undefined });
    expect(() => postRequest('h', '/', { 'x-evil': 'a\r\nhost: b' }, '{}')).toThrow(/CR\/LF/);
  });

  it('reads an answer that arrives one byte per write, a multi-byte character split across writes', async () => {
    const { port } = await rawServer((_body, socket) => {
      const bytes = Buffer.from(answerOf(200, '{"name":"Zoë ☎"}'));
      socket.setNoDelay(true);
      void (async () => {
        for (const byte of bytes) {
          socket.write(Buffer.of(byte));
          await sleep(1);
        }
      })();
    });
    expect(await poolOn(port).ask('{}')).toMatchObject({ status: 200, body: '{"name":"Zoë ☎"}' });
  });

  it('reads chunked answers (with a trailer) and keeps the socket for the next one', async () => {
    const framings: boolean[] = [];
    const { port, seen } = await httpServer((body, _req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', trailer: 'x-sum' });
      res.write('{"part":1,');
      framings.push(res.chunkedEncoding);
      setTimeout(() => {
        res.addTrailers({ 'x-sum': 'ok' });
        res.end(`"echo":"${body}"}`);
      }, 5);
    });
    const { ask } = poolOn(port);
    expect(await ask('a')).toMatchObject({ status: 200, body: '{"part":1,"echo":"a"}' });
    expect(await ask('b')).toMatchObject({ status: 200, body: '{"part":1,"echo":"b"}' });
    expect(framings).toEqual([true, true]);
    expect(seen.connections).toBe(1);
  });

  it('never gives a stray second answer of one write to the next request: the socket is dropped', async () => {
    const { port, seen } = await rawServer((body, socket) => socket.write(body === 'first' ? answerOf(200, 'first') + answerOf(200, 'stray') : answerOf(201, body)));
    const { ask } = poolOn(port);
    expect(await ask('first')).toMatchObject({ status: 200, body: 'first' });
    expect(await ask('second')).toMatchObject({ status: 201, body: 'second' });
    expect(seen.connections).toBe(2);
  });

  it('fails a request whose socket the server destroys, and answers the next on a new socket', async () => {
    const { port, seen } = await httpServer((body, req, res) => (body === 'die' ? req.socket.destroy() : res.end(`ok ${body}`)));
    const { ask } = poolOn(port);
    const [dead, next] = await Promise.all([ask('die'), ask('after')]);
    expect(dead).toEqual({ error: expect.any(Error) });
    expect(next).toMatchObject({ status: 200, body: 'ok after' });
    expect(seen.connections).toBe(2);
  });

  it('fails a request with no answer within the timeout, drops its socket, and goes on', async () => {
    const { port, seen } = await httpServer((body, _req, res) => body !== 'hang' && res.end('fine'));
    const { ask } = poolOn(port, { timeoutMs: 100 });
    const started = performance.now();
    const [hung, next] = await Promise.all([ask('hang'), ask('next')]);
    expect(hung).toEqual({ error: expect.any(RequestTimeoutError) });
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
    expect(next).toMatchObject({ status: 200, body: 'fine' });
    expect(seen.connections).toBe(2);
  });

  it('fails loudly on an answer it cannot frame (a body ended by close), then serves the next', async () => {
    const { port } = await rawServer((body, socket) => (body === 'bad' ? socket.end('HTTP/1.1 200 OK\r\n\r\nuntil close') : socket.write(answerOf(200, 'good'))));
    const { ask } = poolOn(port);
    const bad = await ask('bad');
    expect('error' in bad && bad.error.message).toMatch(/content-length or chunked/);
    expect(await ask('good')).toMatchObject({ status: 200, body: 'good' });
  });

  it('reopens a socket idle past the keep-alive hint instead of writing into the server closing it', async () => {
    const { port, seen, server } = await httpServer((_body, _req, res) => res.end('ok'));
    server.keepAliveTimeout = 1000; // answers say "keep-alive: timeout=1": stale after 0.5 s
    const { ask } = poolOn(port);
    expect(await ask('1')).toMatchObject({ body: 'ok' });
    await sleep(600);
    expect(await ask('2')).toMatchObject({ body: 'ok' });
    expect(seen.connections).toBe(2);
  });

  it('fails in-flight and queued requests on close()', async () => {
    const { port } = await httpServer(() => {});
    const { pool, ask } = poolOn(port);
    const outcomes = Promise.all([ask('a'), ask('b')]);
    await sleep(20);
    pool.close();
    expect((await outcomes).map((o) => 'error' in o && o.error.message)).toEqual(['RawHttpPool closed', 'RawHttpPool closed']);
    expect(() => pool.send(Buffer.from(''), () => {}, () => {})).toThrow(/after close/);
  });
});

describe('parseResponse', () => {
  const chunked = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4;ext=1\r\n{"a"\r\n3\r\n:1}\r\n0\r\nx-t: 1\r\n\r\n';

  it('is incomplete at every cut of a chunked answer, whole at its end, and stops there', () => {
    const two = Buffer.from(chunked + answerOf(204, ''));
    for (let cut = 0; cut < chunked.length; cut++) expect(parseResponse(two.subarray(0, cut), true)).toBeUndefined();
    expect(parseResponse(two, true)).toEqual({ status: 200, body: '{"a":1}', end: chunked.length, close: false, keepAliveMs: Infinity });
    expect(parseResponse(two.subarray(chunked.length), true)).toMatchObject({ status: 204, body: '' });
  });

  it('reads header names in any case and refuses what it cannot frame rather than guess', () => {
    const mixedCase = 'HTTP/1.1 429 X\r\nContent-Length: 2\r\nConnection: close\r\nKeep-Alive: timeout=5\r\n\r\nno';
    expect(parseResponse(Buffer.from(mixedCase + 'HTTP/1.1'), true)).toEqual({ status: 429, body: 'no', end: mixedCase.length, close: true, keepAliveMs: 5000 });
    expect(parseResponse(Buffer.from('HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n'), true)).toBeInstanceOf(Error);
    expect(parseResponse(Buffer.from('HTTP/1.1 100 Continue\r\n\r\n'), true)).toBeInstanceOf(Error);
    expect(parseResponse(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nabc'), true)).toBeInstanceOf(Error);
    expect(parseResponse(Buffer.from(chunked.replace('3\r\n:1}', '3\r\n:1}!')), true)).toBeInstanceOf(Error);
  });
});
