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
