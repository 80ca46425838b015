import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCodeMeanings } from '../../src/http/openapi.js';

describe('docs/errors.md', () => {
  it('has a row for every error code a caller can see', () => {
    const doc = readFileSync('docs/errors.md', 'utf8');
    const rows = new Set([...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]));
    expect([...Object.keys(errorCodeMeanings)].filter((code) => !rows.has(code))).toEqual([]);
  });
});
