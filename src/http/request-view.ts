/** The plain-data view of a Koa request that the pure key extractor reads. */
import type { Context } from 'koa';
import type { RequestView } from '../keys/request-view.js';
import { clientAddress, type ClientAddressOptions } from '../keys/client-address.js';

export function requestView(ctx: Context, addressOptions: ClientAddressOptions): RequestView {
  let ip: string | undefined;
  return {
    method: ctx.method,
    params: (ctx as Context & { params?: Record<string, string> }).params ?? {},
    query: ctx.query as RequestView['query'],
    // headersDistinct keeps repeated headers apart instead of joining them with ", ".
    headers: ctx.req.headersDistinct as RequestView['headers'],
    body: ctx.state.body,
    // Worked out only when a rule keys on "ip": most rules never read it.
    get ip() {
      ip ??= clientAddress(ctx.req.socket.remoteAddress, ctx.req.headersDistinct['x-forwarded-for'], addressOptions);
      return ip;
    },
  };
}
