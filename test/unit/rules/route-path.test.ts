import { describe, expect, it } from 'vitest';
import { isWildcardPath, pathPrefix, routeParams, rulePathCovers, rulePathServed, wildcardProblem } from '../../../src/rules/route-path.js';

describe('route paths and wildcards', () => {
  it.each<[string, string, boolean]>([
    ['/v1/signup', '/v1/signup', true],
    ['/v1/signup', '/v1/signup/', false],
    ['/v1/*', '/v1/signup', true],
    ['/v1/*', '/v1/accounts/:accountId/calls', true],
    ['/v1/*', '/v1', false],
    ['/v1/*', '/v2/signup', false],
    ['/v1/*', '/v10/signup', false],
    ['/v1/accounts/:accountId/*', '/v1/accounts/:accountId/calls/:callSid', true],
    ['/v1/accounts/:accountId/*', '/v1/accounts/:accountId', false],
    // Parameters are compared as written: a wildcard names them as the routes do.
    ['/v1/accounts/:accountId/*', '/v1/accounts/:id/calls', false],
    ['/*', '/v1/signup', true],
  ])('%s covers %s: %s', (rulePath, pattern, covered) => {
    expect(rulePathCovers(rulePath, pattern)).toBe(covered);
  });

  it('counts a wildcard as served when some route is under it', () => {
    const served = new Set(['/v1/signup', '/v1/accounts/:accountId/calls']);
    expect(rulePathServed('/v1/signup', served)).toBe(true);
    expect(rulePathServed('/v1/accounts/:accountId/*', served)).toBe(true);
    expect(rulePathServed('/v1/*', served)).toBe(true);
    expect(rulePathServed('/v2/*', served)).toBe(false);
    expect(rulePathServed('/v1/cdrs', served)).toBe(false);
  });

  it('tells wildcards, their prefix and parameters, and a misplaced "*"', () => {
    expect([isWildcardPath('/v1/*'), isWildcardPath('/v1/signup'), isWildcardPath('/v1*')]).toEqual([true, false, false]);
    expect(pathPrefix('/v1/accounts/:accountId/*')).toBe('/v1/accounts/:accountId/');
    expect(pathPrefix('/v1/signup')).toBe('/v1/signup');
    expect(routeParams('/v1/accounts/:accountId/conferences/:sid/*')).toEqual(['accountId', 'sid']);
    expect(wildcardProblem('/v1/*')).toBeUndefined();
    expect(wildcardProblem('/v1/signup')).toBeUndefined();
    expect(wildcardProblem('/v1*')).toMatch(/only as the last segment/);
    expect(wildcardProblem('/v1/*/calls')).toMatch(/only as the last segment/);
  });
});
