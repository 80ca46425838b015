import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { headerValues } from '../../../src/http/header-values.js';

const req = (...raw: string[]) => ({ rawHeaders: raw }) as unknown as IncomingMessage;

describe('headerValues', () => {
  it('finds a header whatever its case, and keeps repeated ones apart as headersDistinct does', () => {
    expect(headerValues(req('Host', 'x', 'AUTHORIZATION', 'Bearer a'), 'authorization')).toEqual(['Bearer a']);
    expect(headerValues(req('authorization', 'Bearer a', 'Content-Type', 'j', 'Authorization', 'Bearer b'), 'authorization')).toEqual(['Bearer a', 'Bearer b']);
  });

  it('answers undefined when the header is absent, and matches whole names only', () => {
    expect(headerValues(req('Host', 'x', 'X-Authorization', 'Bearer a', 'Authorizatio', 'y'), 'authorization')).toBeUndefined();
  });

  it('keeps an empty value as a value', () => {
    expect(headerValues(req('Authorization', ''), 'authorization')).toEqual(['']);
  });
});
