import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { createKeyHasher, HASH_MEMO_ENTRIES } from '../../../src/keys/key-hasher.js';

describe('createKeyHasher', () => {
  const a = createKeyHasher('a'.repeat(32));

  it('hashes a key to a fixed-length base64url HMAC that does not contain it', () => {
    const hash = a.hash('+14155551212');
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain('4155551212');
    expect(a.hash('+14155551212')).toBe(hash);
    expect(a.hash('+14155551213')).not.toBe(hash);
  });

  it('depends on the secret, so the table cannot be reversed without it', () => {
    expect(createKeyHasher('b'.repeat(32)).hash('+14155551212')).not.toBe(a.hash('+14155551212'));
  });

  it('offers the previous secret only while rotating', () => {
    expect(a.previous).toBeUndefined();
    const rotating = createKeyHasher('b'.repeat(32), 'a'.repeat(32));
    expect(rotating.previous!('x')).toBe(a.hash('x'));
  });

  it('answers the HMAC itself for remembered, forgotten and over-long keys alike', () => {
    const secret = 'c'.repeat(32);
    const hasher = createKeyHasher(secret, 'd'.repeat(32));
    const hmac = (s: string, key: string) => createHmac('sha256', s).update(key, 'utf8').digest('base64url');
    // More keys than the memo holds, so the first ones are forgotten and hashed again.
    const keys = Array.from({ length: HASH_MEMO_ENTRIES + 10 }, (_, i) => `+1415${String(i).padStart(7, '0')}`);
    for (const key of keys) hasher.hash(key);
    for (const key of [keys[0]!, keys[5]!, keys.at(-1)!, 'x'.repeat(1000)]) {
      expect(hasher.hash(key)).toBe(hmac(secret, key));
      expect(hasher.previous!(key)).toBe(hmac('d'.repeat(32), key));
    }
  });
});
