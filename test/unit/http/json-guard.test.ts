import { describe, expect, it } from 'vitest';
import { findJsonProblem, MAX_JSON_DEPTH } from '../../../src/http/json-guard.js';

describe('findJsonProblem', () => {
  it.each([
    ['{"phone":"+14155551212","phone":"+442079460958"}', { path: 'phone', reason: 'key "phone" appears twice' }],
    ['{"phone":"a","\\u0070hone":"b"}', { path: 'phone', reason: 'key "phone" appears twice' }],
    ['{"__proto__":{"admin":true}}', { path: '__proto__', reason: 'key "__proto__" is not allowed' }],
    ['{"a":{"constructor":{"prototype":{}}}}', { path: 'a.constructor', reason: 'key "constructor" is not allowed' }],
    ['{"a":[{"b":1,"b":2}]}', { path: 'a.b', reason: 'key "b" appears twice' }],
    [`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`, { path: 'body', reason: `nesting is deeper than ${MAX_JSON_DEPTH} levels` }],
    [`{"a":{"b":${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}}}`, { path: 'a.b', reason: `nesting is deeper than ${MAX_JSON_DEPTH} levels` }],
  ])('finds the problem in %s', (text, problem) => {
    expect(findJsonProblem(text)).toMatchObject(problem);
  });

  it.each([
    '{"phone":"+14155551212","email":"a@b.io"}',
    '{"a":{"x":1},"b":{"x":1}}',
    '{"text":"a \\"quoted\\" \\\\ \\"phone\\":1 , {"}',
    '[{"a":1},{"a":1}]',
    '"__proto__"',
    '{"name":"constructor"}',
    `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`,
  ])('accepts %s', (text) => {
    expect(findJsonProblem(text)).toBeUndefined();
  });
});
