/**
 * Where rate-limit documents are kept: one document per key, replaced whole by each write (a
 * POST replaces the document, so the last write wins and no compare-and-set is needed). The store
 * keeps what the service validated and checks nothing itself.
 */
import type { RateLimitDocument } from './rate-limit-document.js';

/** The system's document, an account's, or one of its devices' (a device is always under its account). */
export type RateLimitKey =
  | { scope: 'system' }
  | { scope: 'account'; accountSid: string }
  | { scope: 'device'; accountSid: string; deviceSid: string };

/** store/memory and store/cassandra implement it (test/contract/rate-limit-repository.contract.ts). */
export interface RateLimitRepository {
  /** The document stored under the key, or undefined. */
  get(key: RateLimitKey): Promise<RateLimitDocument | undefined>;
  /** Stores the document under the key, replacing any before it. */
  put(key: RateLimitKey, document: RateLimitDocument): Promise<void>;
  /** Removes the key's document; removing an absent one changes nothing. */
  delete(key: RateLimitKey): Promise<void>;
  /**
   * An opaque value that moves with every put and delete of any document, by any instance, and
   * only then: a cache of documents re-reads them when it moved (domains/rate-limits/rate-limits.ts).
   * A write that fails may or may not move it; one that succeeds always has by the time it returns.
   */
  revision(): Promise<string>;
}
