import { describe, expect, it } from 'vitest';
import { extractKey, keyFromValues } from '../../../src/keys/extract-key.js';
import type { RequestView } from '../../../src/keys/request-view.js';
import { parseRules } from '../../../src/rules/parse-rules.js';

const ruleWith = (key: unknown, path = '/v1/accounts/:accountId/calls') =>
  parseRules('inline', { rules: [{ id: 'r', match: { path }, key, limits: [{ count: 1, window: '1h' }] }] })[0]!;
const request = (over: Partial<RequestView> = {}): RequestView => ({ method: 'POST', params: {}, query: {}, headers: {}, body: undefined, ip: '203.0.113.7', ...over });
const options = { defaultPhoneRegion: 'US' };

describe('extractKey: "global"', () => {
  it('is the one value "global" for every request, alone or as a part', () => {
    expect(extractKey(ruleWith('global'), request(), options)).toEqual({ kind: 'key', value: 'global' });
    expect(extractKey(ruleWith('global'), request({ ip: '198.51.100.1', body: { x: 1 } }), options)).toEqual({ kind: 'key', value: 'global' });
    expect(extractKey(ruleWith(['global', 'param.accountId']), request({ params: { accountId: 'acc-1' } }), options)).toEqual({ kind: 'key', value: '["global","acc-1"]' });
  });

  it('is "global" from keyFromValues whatever value is given for it', () => {
    expect(keyFromValues(ruleWith('global'), ['anything'], options)).toEqual({ kind: 'key', value: 'global' });
  });
});

describe('extractKey: optional parts ("param.accountId?")', () => {
  const bucketKey = ruleWith(['ip', 'param.accountId?'], '/v1/*');

  it('spells a key whose parts are all present exactly as the same key without "?" (existing partitions stay)', () => {
    const present = request({ params: { accountId: 'acc-1' } });
    const plain = ruleWith(['ip', 'param.accountId']);
    expect(extractKey(bucketKey, present, options)).toEqual({ kind: 'key', value: '["203.0.113.7","acc-1"]' });
    expect(extractKey(bucketKey, present, options)).toEqual(extractKey(plain, present, options));
    expect(extractKey(ruleWith('body.phone?'), request({ body: { phone: '+14155551212' } }), options)).toEqual({ kind: 'key', value: '+14155551212' });
  });

  it('leaves an absent optional part out as null instead of making the key missing', () => {
    expect(extractKey(bucketKey, request(), options)).toEqual({ kind: 'key', value: '["203.0.113.7",null]' });
    expect(extractKey(bucketKey, request({ params: { accountId: '  ' } }), options)).toEqual({ kind: 'key', value: '["203.0.113.7",null]' });
  });

  it('keeps different absences apart: one part present is never the other part present', () => {
    const rule = ruleWith(['header.x-a?', 'header.x-b?']);
    const onlyA = extractKey(rule, request({ headers: { 'x-a': ['v'] } }), options);
    const onlyB = extractKey(rule, request({ headers: { 'x-b': ['v'] } }), options);
    expect([onlyA, onlyB]).toEqual([{ kind: 'key', value: '["v",null]' }, { kind: 'key', value: '[null,"v"]' }]);
  });

  it('is missing when every part is absent, naming them; a required part absent is missing as before', () => {
    expect(extractKey(ruleWith(['header.x-a?', 'query.b?']), request(), options)).toEqual({ kind: 'missing', part: 'header.x-a or query.b' });
    expect(extractKey(ruleWith(['body.phone', 'param.accountId?']), request(), options)).toEqual({ kind: 'missing', part: 'body.phone' });
  });

  it('still refuses a present optional part that is invalid', () => {
    const rule = parseRules('inline', {
      rules: [{ id: 'r', match: { path: '/v1/*' }, key: ['ip', { from: 'body.phone?', normalize: 'e164' }], limits: [{ count: 1, window: '1h' }] }],
    })[0]!;
    expect(extractKey(rule, request({ body: { phone: '12' } }), options)).toEqual({ kind: 'invalid', field: 'phone', message: 'phone is not a valid phone number' });
    expect(extractKey(rule, request({ body: { phone: ['a', 'b'] } }), options)).toMatchObject({ kind: 'invalid' });
    expect(extractKey(ruleWith('header.x-a?'), request({ headers: { 'x-a': ['1', '2'] } }), options)).toEqual({ kind: 'invalid', field: 'header.x-a', message: 'header.x-a must be given once' });
  });

  it('takes "" from operator tools as an absent optional part', () => {
    expect(keyFromValues(bucketKey, ['203.0.113.7', ''], options)).toEqual(extractKey(bucketKey, request(), options));
    expect(keyFromValues(bucketKey, ['203.0.113.7', 'acc-1'], options)).toEqual({ kind: 'key', value: '["203.0.113.7","acc-1"]' });
  });
});
