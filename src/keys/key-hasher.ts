/**
 * Throttle state never holds a raw phone number, email or token: the caller column is
 * HMAC-SHA256(KEY_SECRET, normalised key), base64url. A keyed hash (not a bare SHA-256) so
 * that the table cannot be reversed by hashing every phone number of a country.
 *
 * Rotation: with KEY_SECRET_PREVIOUS set, decisions also read the partition under the previous
 * secret (frozen: nothing is written to it any more) for one longest window, after which it has
 * expired by TTL and the previous secret can be dropped. docs/operations.md has the steps.
 */
import { createHmac } from 'node:crypto';

export interface KeyHasher {
  /** The partition key for a normalised key under the current secret. */
  hash(key: string): string;
  /** The same under the previous secret, while a rotation is under way. */
  previous: ((key: string) => string) | undefined;
}

export function createKeyHasher(secret: string, previousSecret?: string): KeyHasher {
  const hmac = (s: string) => (key: string) => createHmac('sha256', s).update(key, 'utf8').digest('base64url');
  return { hash: hmac(secret), previous: previousSecret ? hmac(previousSecret) : undefined };
}
