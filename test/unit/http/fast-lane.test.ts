/**
 * The fast lane's mechanics (http/fast-lane.ts) with a stand-in app: what it takes, what it hands
 * on (with the body it read, which json-body.ts then reads instead of the stream), and how it
 * answers a route's answer or a route's failure.
 */
import { createServer, request, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { afterAll, describe, expect, it } from 'vitest';
import { fastLane, type LaneRoute } from '../../../src/http/fast-lane.js';
import { jsonBody } from '../../../src/http/json-body.js';

const servers: Server[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

/** The stand-in app: echoes the body json-body.ts read, and counts what reached it. */
function echoApp(): { listener: RequestListener; reached: string[] } {
  const app = new Koa();
  const reached: string[] = [];
  app.use(async (ctx, next) => {
    reached.push(ctx.url);
    try {
      await next();
    } catch (error) {
      ctx.status = (error as { status?: number }).status ?? 500;
      ctx.body = { failed: (error as Error).message };
    }
  });
  app.use(jsonBody());
  app.use((ctx) => {
    ctx.body = { echo: ctx.state.body };
  });
  return { listener: app.callback(), reached };
}

async function serve(listener: RequestListener): Promise<number> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function send(port: number, path: string, chunks: string[], headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

const json = (text: string) => ({ 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });

describe('fastLane', () => {
  const observed: unknown[][] = [];
  const route = (answer: LaneRoute['answer'], admits?: LaneRoute['admits']): Map<string, LaneRoute> => new Map([['POST /lane', { pattern: '/lane', answer, ...(admits ? { admits } : {}) }]]);
  const options = { observe: (...args: unknown[]) => void observed.push(args), failed: (error: unknown) => ({ status: 500, body: { failed: (error as Error).message } }) };

  it('answers what the route answers, as Koa renders a JSON body, and counts it under the pattern', async () => {
    const { listener, reached } = echoApp();
    const port = await serve(fastLane(listener, route((_req, body) => ({ status: 429, headers: { 'Retry-After': '7' }, body: { got: body } })), options));
    const text = JSON.stringify({ a: 'é' });
    const answer = await send(port, '/lane', [text], json(text));
    expect(answer).toMatchObject({ status: 429, body: JSON.stringify({ got: { a: 'é' } }) });
    expect(answer.headers).toMatchObject({ 'retry-after': '7', 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(answer.body)) });
    expect(reached).toEqual([]);
    expect(observed.at(-1)!.slice(0, 3)).toEqual(['/lane', 'POST', 429]);
  });

  it('hands the request on with the body it read when the route does not answer, now or later', async () => {
    for (const answer of [() => undefined, async () => undefined]) {
      const { listener, reached } = echoApp();
      const port = await serve(fastLane(listener, route(answer), options));
      const text = JSON.stringify({ n: 1 });
      // Sent in two chunks: the lane gathers them.
      expect(await send(port, '/lane', [text.slice(0, 3), text.slice(3)], json(text))).toMatchObject({ status: 200, body: JSON.stringify({ echo: { n: 1 } }) });
      expect(reached).toEqual(['/lane']);
    }
  });

  it('leaves unread what it does not take: other paths, a query, chunked or encoded bodies, other types, a caller the route does not admit', async () => {
    const { listener, reached } = echoApp();
    const never = () => {
      throw new Error('the lane answered');
    };
    const port = await serve(fastLane(listener, route(never, (req) => req.headers['x-ok'] === '1'), options));
    const text = JSON.stringify({ n: 2 });
    const echo = JSON.stringify({ echo: { n: 2 } });
    expect((await send(port, '/other', [text], { ...json(text), 'x-ok': '1' })).body).toBe(echo);
    expect((await send(port, '/lane?q=1', [text], { ...json(text), 'x-ok': '1' })).body).toBe(echo);
    expect((await send(port, '/lane', [text], { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'x-ok': '1' })).body).toBe(echo);
    expect((await send(port, '/lane', [text], { ...json(text), 'content-encoding': 'gzip', 'x-ok': '1' })).status).toBe(415);
    expect((await send(port, '/lane', [text], { ...json(text), 'content-type': 'application/vnd.api+json', 'x-ok': '1' })).status).toBe(415);
    expect((await send(port, '/lane', [text], json(text))).body).toBe(echo);
    expect(reached).toHaveLength(6);
  });

  it("hands on a body it cannot parse, and one with a byte order mark, to the app's reader", async () => {
    const { listener, reached } = echoApp();
    const port = await serve(fastLane(listener, route(() => ({ status: 200, body: 'lane' })), options));
    expect(await send(port, '/lane', ['{"n":'], json('{"n":'))).toMatchObject({ status: 400 });
    const bom = `\ufeff${JSON.stringify({ n: 3 })}`;
    expect(await send(port, '/lane', [bom], json(bom))).toMatchObject({ status: 200, body: JSON.stringify({ echo: { n: 3 } }) });
    expect(reached).toHaveLength(2);
  });

  it('answers a route that fails, or answers a header Node refuses, with what `failed` makes of the error', async () => {
    const { listener, reached } = echoApp();
    const port = await serve(fastLane(listener, route(async () => Promise.reject(new Error('store down'))), options));
    const text = '{}';
    expect(await send(port, '/lane', [text], json(text))).toMatchObject({ status: 500, body: JSON.stringify({ failed: 'store down' }) });
    const badHeader = await serve(fastLane(listener, route(() => ({ status: 200, headers: { 'X-Bad': 'a\nb' }, body: {} })), options));
    const answer = await send(badHeader, '/lane', [text], json(text));
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.body).failed).toMatch(/X-Bad/);
    expect(observed.at(-1)!.slice(0, 3)).toEqual(['/lane', 'POST', 500]);
    expect(reached).toEqual([]);
  });
});
