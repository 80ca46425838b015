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
import { BoundedMemo } from './bounded-memo.js';

export interface KeyHasher {
  /** The partition key for a normalised key under the current secret. */
  hash(key: string): string;
  /** The same under the previous secret, while a rotation is under way. */
  previous: ((key: string) => string) | undefined;
}

/** Keys whose hash is remembered, per secret, and the longest key remembered. */
export const HASH_MEMO_ENTRIES = 10_000;
const HASH_MEMO_MAX_LENGTH = 256;

export function createKeyHasher(secret: string, previousSecret?: string): KeyHasher {
  return { hash: memoised(secret), previous: previousSecret ? memoised(previousSecret) : undefined };
}

/**
 * The HMAC under one secret, with the hashes of recent keys remembered. A flood repeats one key
 * (that is what a limit is for), and a fresh Hmac per request (a native object, a digest, a
 * base64url string) was the largest item of the key work in a CPU profile of the denied path.
 * The memo lives in process memory only, beside keys/phone.ts's memo of the same raw input; it
 * is bounded (oldest entry first out, bounded-memo.ts), so varied keys cost no more than hashing them.
 */
function memoised(secret: string): (key: string) => string {
  const memo = new BoundedMemo<string, string>(HASH_MEMO_ENTRIES);
  const hmac = (key: string) => createHmac('sha256', secret).update(key, 'utf8').digest('base64url');
  return (key) => (key.length > HASH_MEMO_MAX_LENGTH ? hmac(key) : memo.remember(key, () => hmac(key)));
}
