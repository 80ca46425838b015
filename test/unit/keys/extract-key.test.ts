import { describe, expect, it } from 'vitest';
import { extractKey, keyFromValues, MAX_KEY_PART_LENGTH } from '../../../src/keys/extract-key.js';
import type { RequestView } from '../../../src/keys/request-view.js';
import { parseRules } from '../../../src/rules/parse-rules.js';

const ruleWith = (key: unknown, extra: Record<string, unknown> = {}) =>
  parseRules('inline', { rules: [{ id: 'r', match: { path: '/v1/accounts/:accountId/calls' }, key, limits: [{ count: 1, window: '1h' }], ...extra }] })[0]!;

const request = (over: Partial<RequestView> = {}): RequestView => ({
  method: 'POST',
  params: {},
  query: {},
  headers: {},
  body: undefined,
  ip: '203.0.113.7',
  ...over,
});
const options = { defaultPhoneRegion: 'US' };

describe('extractKey', () => {
  it.each<[string, unknown, Record<string, unknown>, Partial<RequestView>, string]>([
    ['a body field, E.164', 'body.phone', { normalize: 'e164' }, { body: { phone: '(415) 555-1212' } }, '+14155551212'],
    ['a nested body field', 'body.user.id', {}, { body: { user: { id: 'u-1' } } }, 'u-1'],
    ['a number in the body', 'body.userId', {}, { body: { userId: 42 } }, '42'],
    ['an email without its tag', 'body.email', { normalize: 'email', stripPlusTag: true }, { body: { email: ' A+x@B.io ' } }, 'a@b.io'],
    ['a header, by any case of its name', 'header.X-Account-Id', {}, { headers: { 'x-account-id': ['acc-1'] } }, 'acc-1'],
    ['a query parameter', 'query.to', { normalize: 'e164' }, { query: { to: '+1 415 555 1212' } }, '+14155551212'],
    ['a route parameter', 'param.accountId', {}, { params: { accountId: 'acc-9' } }, 'acc-9'],
    ['the client address', 'ip', {}, {}, '203.0.113.7'],
    ['the bearer token', 'token', {}, { headers: { authorization: ['Bearer abc.def'] } }, 'abc.def'],
    ['the bearer token, scheme in any case', 'token', {}, { headers: { authorization: ['bearer abc'] } }, 'abc'],
    ['the token of Basic accountId:authToken', 'token', {}, { headers: { authorization: ['Basic dXNlcjpwYXNz'] } }, 'pass'],
  ])('reads %s', (_, key, extra, over, value) => {
    expect(extractKey(ruleWith(key, extra), request(over), options)).toEqual({ kind: 'key', value });
  });

  it('joins compound keys as a JSON array so separators in values cannot collide', () => {
    const rule = ruleWith(['param.accountId', 'query.device']);
    expect(extractKey(rule, request({ params: { accountId: 'a,b' }, query: { device: 'c' } }), options)).toEqual({ kind: 'key', value: '["a,b","c"]' });
    expect(extractKey(rule, request({ params: { accountId: 'a' }, query: { device: 'b,c' } }), options)).toEqual({ kind: 'key', value: '["a","b,c"]' });
  });

  it.each<[string, unknown, Partial<RequestView>]>([
    ['an absent body field', 'body.phone', { body: {} }],
    ['no body at all', 'body.phone', {}],
    ['a blank value', 'body.phone', { body: { phone: '   ' } }],
    ['null', 'body.phone', { body: { phone: null } }],
    ['an absent header', 'header.x-account-id', {}],
    ['Basic credentials without a password', 'token', { headers: { authorization: ['Basic dXNlcg=='] } }],
    ['another scheme', 'token', { headers: { authorization: ['Digest username="u"'] } }],
    ['a prototype property', 'body.constructor', { body: {} }],
    ['an inherited method', 'body.toString', { body: { phone: '1' } }],
    ['a field of a string', 'body.phone.length', { body: { phone: '+14155551212' } }],
  ])('reports %s as missing', (_, key, over) => {
    expect(extractKey(ruleWith(key), request(over), options)).toMatchObject({ kind: 'missing' });
  });

  it.each<[string, unknown, Record<string, unknown>, Partial<RequestView>, string, string]>([
    ['a bad phone number', 'body.phone', { normalize: 'e164' }, { body: { phone: '12' } }, 'phone', 'phone is not a valid phone number'],
    ['a bad email', 'body.email', { normalize: 'email' }, { body: { email: 'nope' } }, 'email', 'email is not a valid email address'],
    ['an object where a string belongs', 'body.phone', {}, { body: { phone: { a: 1 } } }, 'phone', 'phone must be a string'],
    ['a repeated query parameter', 'query.to', {}, { query: { to: ['a', 'b'] } }, 'query.to', 'query.to must be given once'],
    ['a repeated header', 'header.x-account-id', {}, { headers: { 'x-account-id': ['a', 'b'] } }, 'header.x-account-id', 'header.x-account-id must be given once'],
    ['two authorization headers', 'token', {}, { headers: { authorization: ['Bearer a', 'Bearer b'] } }, 'token', 'token must be given once'],
    [
      'an over-long value',
      'body.userId',
      {},
      { body: { userId: 'x'.repeat(MAX_KEY_PART_LENGTH + 1) } },
      'userId',
      `userId is longer than ${MAX_KEY_PART_LENGTH} characters`,
    ],
  ])('refuses %s', (_, key, extra, over, field, message) => {
    expect(extractKey(ruleWith(key, extra), request(over), options)).toEqual({ kind: 'invalid', field, message });
  });
});

describe('keyFromValues', () => {
  it('normalises raw values as a request would (the operator CLI finds the same partition)', () => {
    const rule = ruleWith('body.phone', { normalize: 'e164' });
    expect(keyFromValues(rule, ['(415) 555-1212'], options)).toEqual(extractKey(rule, request({ body: { phone: '+1 415 555 1212' } }), options));
  });

  it('refuses the wrong number of parts and values that do not normalise', () => {
    expect(keyFromValues(ruleWith(['param.accountId', 'ip']), ['a'], options)).toEqual({
      kind: 'invalid',
      field: 'key',
      message: 'rule r takes 2 key part(s): param.accountId, ip',
    });
    expect(keyFromValues(ruleWith('body.email', { normalize: 'email' }), ['nope'], options)).toMatchObject({ kind: 'invalid', field: 'email' });
  });
});
