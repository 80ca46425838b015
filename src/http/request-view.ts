/** The plain-data view of a request that the pure key extractor reads. */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'koa';
import type { RequestView } from '../keys/request-view.js';
import { clientAddress, type ClientAddressOptions } from '../keys/client-address.js';

export function requestView(ctx: Context, addressOptions: ClientAddressOptions): RequestView {
  return new KoaRequestView(ctx, addressOptions);
}

/** A request the fast lane answers (fast-lane.ts): a parameterless path without a query, its body parsed. */
export function plainRequestView(req: IncomingMessage, body: unknown, addressOptions: ClientAddressOptions): RequestView {
  return new PlainRequestView(req, body, addressOptions);
}

const NOTHING: Readonly<Record<string, never>> = Object.freeze({});

/**
 * Classes, not object literals with getters: a literal's getter is a fresh closure per request,
 * which V8 cannot share in a hidden class, so every view got a map of its own in old space that
 * kept the request's context alive through young-generation collections (about 5 KB per request
 * promoted on a flood of refusals, and the old-space collections that follow). The query, the
 * headers and the address are worked out only when a rule reads them: most rules key on the body.
 */
abstract class NodeRequestView implements RequestView {
  readonly method: string;
  abstract readonly params: Readonly<Record<string, string>>;
  private address: string | undefined;

  constructor(
    private readonly req: IncomingMessage,
    readonly body: unknown,
    private readonly addressOptions: ClientAddressOptions,
  ) {
    this.method = req.method ?? 'GET';
  }

  abstract get query(): RequestView['query'];

  /** headersDistinct keeps repeated headers apart instead of joining them with ", " (Node keeps it once built). */
  get headers(): RequestView['headers'] {
    return this.req.headersDistinct as RequestView['headers'];
  }

  get ip(): string {
    this.address ??= clientAddress(this.req.socket.remoteAddress, this.req.headersDistinct['x-forwarded-for'], this.addressOptions);
    return this.address;
  }
}

class KoaRequestView extends NodeRequestView {
  readonly params: Readonly<Record<string, string>>;

  constructor(
    private readonly ctx: Context,
    addressOptions: ClientAddressOptions,
  ) {
    super(ctx.req, ctx.state.body, addressOptions);
    this.params = (ctx as Context & { params?: Record<string, string> }).params ?? NOTHING;
  }

  get query(): RequestView['query'] {
    return this.ctx.query as RequestView['query'];
  }
}

class PlainRequestView extends NodeRequestView {
  readonly params = NOTHING;

  get query(): RequestView['query'] {
    return NOTHING;
  }
}
