/**
 * What the key extractor may read of a request, as plain data. The HTTP layer builds it; the
 * keys module never sees Koa.
 */
export interface RequestView {
  method: string;
  /** Route parameters the router resolved (":accountId" -> "acc-1"). */
  params: Readonly<Record<string, string>>;
  /** Query parameters; a repeated parameter arrives as an array. */
  query: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** Header values by lower-case name, every occurrence kept (Node's headersDistinct). */
  headers: Readonly<Record<string, readonly string[] | undefined>>;
  /** The parsed, validated JSON body, or undefined. */
  body: unknown;
  /** The client address the HTTP layer decided to trust. */
  ip: string;
}
