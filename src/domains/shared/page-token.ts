/**
 * nextPageToken: where a listing stopped (a day partition and Cassandra's paging state, or an
 * offset for the memory store), opaque to the client and signed (HMAC-SHA256 under a secret of
 * the service) with what it was issued for: the account, the listing and its filters. A token
 * that was altered, or replayed on another account or filter, is refused with 400 instead of
 * being handed to Cassandra, which would page whatever partition it names.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { invalidRequest } from '../../errors.js';

export interface PageTokens {
  encode(binding: string, position: unknown): string;
  /** The position a token holds; throws INVALID_REQUEST (field pageToken) for a bad one. */
  decode(binding: string, token: string): unknown;
}

export function createPageTokens(secret: string): PageTokens {
  const mac = (binding: string, payload: string) => createHmac('sha256', secret).update(binding).update('\u0000').update(payload).digest().subarray(0, 16);
  return {
    encode(binding, position) {
      const payload = Buffer.from(JSON.stringify(position)).toString('base64url');
      return `${payload}.${mac(binding, payload).toString('base64url')}`;
    },
    decode(binding, token) {
      const [payload, signature, extra] = token.split('.');
      const given = Buffer.from(signature ?? '', 'base64url');
      const expected = mac(binding, payload ?? '');
      if (extra !== undefined || !payload || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw invalidRequest('query.pageToken', 'query.pageToken is not a token this listing issued (it was changed, or belongs to other filters)');
      }
      return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    },
  };
}

/**
 * The pageToken query parameter of every listing: the shape encode() writes (base64url, a dot, a
 * base64url MAC), so that a malformed one is refused by the edge and no token can make a URL
 * longer than Node's header limit (which would be answered 431 by Node itself, outside our errors).
 */
export const pageTokenParameter = (description = 'nextPageToken of the previous page, with the same filters.') =>
  Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]+$', maxLength: 4096, description }));
