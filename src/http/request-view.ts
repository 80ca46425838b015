/** The plain-data view of a Koa request that the pure key extractor reads. */
import type { Context } from 'koa';
import type { RequestView } from '../keys/request-view.js';
import { clientAddress, type ClientAddressOptions } from '../keys/client-address.js';

export function requestView(ctx: Context, addressOptions: ClientAddressOptions): RequestView {
  return new KoaRequestView(ctx, addressOptions);
}

/**
 * A class, not an object literal with a getter: a literal's getter is a fresh closure per request,
 * which V8 cannot share in a hidden class, so every view got a map of its own in old space that
 * kept the request's context alive through young-generation collections (about 5 KB per request
 * promoted on a flood of refusals, and the old-space collections that follow). The query, the
 * headers and the address are worked out only when a rule reads them: most rules key on the body.
 */
class KoaRequestView implements RequestView {
  readonly method: string;
  readonly params: Readonly<Record<string, string>>;
  readonly body: unknown;
  private address: string | undefined;

  constructor(
    private readonly ctx: Context,
    private readonly addressOptions: ClientAddressOptions,
  ) {
    this.method = ctx.method;
    this.params = (ctx as Context & { params?: Record<string, string> }).params ?? {};
    this.body = ctx.state.body;
  }

  get query(): RequestView['query'] {
    return this.ctx.query as RequestView['query'];
  }

  /** headersDistinct keeps repeated headers apart instead of joining them with ", " (Node keeps it once built). */
  get headers(): RequestView['headers'] {
    return this.ctx.req.headersDistinct as RequestView['headers'];
  }

  get ip(): string {
    this.address ??= clientAddress(this.ctx.req.socket.remoteAddress, this.ctx.req.headersDistinct['x-forwarded-for'], this.addressOptions);
    return this.address;
  }
}
