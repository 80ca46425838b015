import type { Context } from 'koa';
import { describe, expect, it } from 'vitest';
import { countHttpRequests, UNMATCHED_ROUTE } from '../../../src/http/http-metrics.js';

type Seen = [string, string, number];

async function run(ctx: Partial<Context>, next: () => Promise<void>): Promise<{ seen: Seen[]; error: unknown }> {
  const seen: Seen[] = [];
  const middleware = countHttpRequests((route, method, status, seconds) => {
    expect(seconds).toBeGreaterThanOrEqual(0);
    seen.push([route, method, status]);
  });
  let error: unknown;
  await (middleware(ctx as Context, next) as Promise<void>).catch((e: unknown) => (error = e));
  return { seen, error };
}

describe('countHttpRequests', () => {
  it('labels a request by the route pattern the router matched and the status after the chain', async () => {
    const ctx: Partial<Context> = { method: 'GET', status: 404 };
    const { seen } = await run(ctx, async () => {
      ctx._matchedRoute = '/v1/accounts/:accountId';
      ctx.status = 200;
    });
    expect(seen).toEqual([['/v1/accounts/:accountId', 'GET', 200]]);
  });

  it('labels a request no route matched "unmatched", never by its path', async () => {
    const { seen } = await run({ method: 'GET', status: 404, path: '/+14155550100' }, async () => {});
    expect(seen).toEqual([[UNMATCHED_ROUTE, 'GET', 404]]);
  });

  it('counts an error that escaped the renderer with its status, or 500, and rethrows it', async () => {
    const teapot = Object.assign(new Error('x'), { status: 418 });
    expect(await run({ method: 'POST', status: 404 }, async () => Promise.reject(teapot))).toEqual({ seen: [[UNMATCHED_ROUTE, 'POST', 418]], error: teapot });
    const plain = new Error('y');
    expect(await run({ method: 'POST', status: 404 }, async () => Promise.reject(plain))).toEqual({ seen: [[UNMATCHED_ROUTE, 'POST', 500]], error: plain });
  });

  it('keeps the method label to the methods Node knows', async () => {
    const { seen } = await run({ method: 'BREW', status: 404 }, async () => {});
    expect(seen).toEqual([[UNMATCHED_ROUTE, 'OTHER', 404]]);
  });
});
