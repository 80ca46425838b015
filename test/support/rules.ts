import { parseRules } from '../../src/rules/parse-rules.js';
import type { Rule } from '../../src/rules/rule.js';

/** A native rule for tests: key body.phone (E.164) on POST /v1/signup unless `extra` names another key. */
export function testRule(id: string, limits: Array<[number, string]>, extra: Record<string, unknown> = {}): Rule {
  return parseRules('test', {
    rules: [
      {
        id,
        match: { method: 'POST', path: '/v1/signup' },
        ...(extra.key === undefined ? { key: 'body.phone', normalize: 'e164' } : {}),
        limits: limits.map(([count, window]) => ({ count, window })),
        ...extra,
      },
    ],
  })[0]!;
}
