import { describe, expect, it } from 'vitest';
import { createRuleIndex } from '../../../src/engine/rule-index.js';
import { combineRuleSets } from '../../../src/rules/load-rule-files.js';
import { testRule } from '../../support/rules.js';

describe('createRuleIndex', () => {
  const post = testRule('post', [[1, '1h']]);
  const any = testRule('any', [[1, '1h']], { match: { path: '/v1/signup' } });
  const other = testRule('other', [[1, '1h']], { match: { method: 'GET', path: '/v1/cdrs' } });
  const index = createRuleIndex(combineRuleSets([post, any, other], ['test']));

  it('matches rules by method and route pattern', () => {
    expect(index.match('POST', '/v1/signup').map((r) => r.id)).toEqual(['post', 'any']);
    expect(index.match('PUT', '/v1/signup').map((r) => r.id)).toEqual(['any']);
    expect(index.match('GET', '/v1/cdrs').map((r) => r.id)).toEqual(['other']);
  });

  it('matches the route pattern only, never another spelling of the path', () => {
    expect(index.match('POST', '/v1/signup/')).toEqual([]);
    expect(index.match('POST', '/V1/Signup')).toEqual([]);
  });

  it('lists the route patterns rules name', () => {
    expect([...index.paths].sort()).toEqual(['/v1/cdrs', '/v1/signup']);
  });
});

describe('createRuleIndex with wildcard routes', () => {
  const wildcard = (id: string, path: string, method: string | undefined = undefined) =>
    testRule(id, [[1, '1h']], { key: 'ip', match: method ? { method, path } : { path } });
  const everything = wildcard('v1', '/v1/*');
  const exact = testRule('exact', [[1, '1h']], { key: 'param.accountId', match: { method: 'POST', path: '/v1/accounts/:accountId/calls' } });
  const account = wildcard('account', '/v1/accounts/:accountId/*', 'POST');
  const index = createRuleIndex(combineRuleSets([everything, exact, account], ['test']));

  it('gives every pattern under a wildcard its rules, exact and wildcard, in rule-set order', () => {
    expect(index.match('POST', '/v1/accounts/:accountId/calls').map((r) => r.id)).toEqual(['v1', 'exact', 'account']);
    expect(index.match('GET', '/v1/accounts/:accountId/calls').map((r) => r.id)).toEqual(['v1']);
    expect(index.match('POST', '/v1/accounts/:accountId/conferences/:sid/participants').map((r) => r.id)).toEqual(['v1', 'account']);
    expect(index.match('POST', '/v1/signup').map((r) => r.id)).toEqual(['v1']);
  });

  it('matches nothing outside a prefix, nor the prefix itself', () => {
    expect(index.match('POST', '/v2/signup')).toEqual([]);
    expect(index.match('POST', '/v1')).toEqual([]);
    // "/v1/accounts/:accountId/*" guards what is under the account, not the account itself.
    expect(index.match('POST', '/v1/accounts/:accountId').map((r) => r.id)).toEqual(['v1']);
  });

  it('answers a repeated lookup from its cache: the same array', () => {
    expect(index.match('POST', '/v1/signup')).toBe(index.match('POST', '/v1/signup'));
  });

  it('lists the paths as written', () => {
    expect([...index.paths].sort()).toEqual(['/v1/*', '/v1/accounts/:accountId/*', '/v1/accounts/:accountId/calls']);
  });
});
