import { describe, expect, it } from 'vitest';
import { createKeyHasher } from '../../../src/keys/key-hasher.js';

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
});
