import { describe, expect, it } from 'vitest';
import { canonicalEmail } from '../../../src/keys/email.js';

describe('canonicalEmail', () => {
  it.each([
    ['Alice@Example.com', false, 'alice@example.com'],
    ['  alice@example.com\t', false, 'alice@example.com'],
    ['ALICE@EXAMPLE.COM.', false, 'alice@example.com'],
    ['ａｌｉｃｅ@ｅｘａｍｐｌｅ.ｃｏｍ', false, 'alice@example.com'],
    ['alice+promo@example.com', false, 'alice+promo@example.com'],
    ['alice+promo@example.com', true, 'alice@example.com'],
    ['Alice+a+b@Example.com', true, 'alice@example.com'],
    ['user@Bücher.de', false, 'user@xn--bcher-kva.de'],
    ['user@xn--bcher-kva.de', false, 'user@xn--bcher-kva.de'],
  ])('%j (strip tags: %s) is %s', (raw, strip, canonical) => {
    expect(canonicalEmail(raw, strip)).toEqual({ ok: true, value: canonical });
  });

  it.each([
    ['', false],
    ['alice', false],
    ['@example.com', false],
    ['alice@', false],
    ['alice@localhost', false],
    ['a b@example.com', false],
    ['alice@@example.com', false],
    ['+tag@example.com', true],
    [`${'a'.repeat(65)}@example.com`, false],
  ])('refuses %j (strip tags: %s)', (raw, strip) => {
    expect(canonicalEmail(raw, strip)).toEqual({ ok: false, reason: 'is not a valid email address' });
  });

  it('answers a repeated input from its memo, the same frozen answer, and keeps the +tag choice apart', () => {
    const first = canonicalEmail('Repeat+Tag@Example.COM', true);
    expect(canonicalEmail('Repeat+Tag@Example.COM', true)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first).toEqual({ ok: true, value: 'repeat@example.com' });
    expect(canonicalEmail('Repeat+Tag@Example.COM', false)).toEqual({ ok: true, value: 'repeat+tag@example.com' });
    expect(canonicalEmail('not an email', false)).toBe(canonicalEmail('not an email', false));
  });
});
