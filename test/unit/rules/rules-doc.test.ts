import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRules } from '../../../src/rules/parse-rules.js';

/** The rule examples of docs/rules.md: every ```json block that is a rule (it has an "id"). */
const examples = [...readFileSync('docs/rules.md', 'utf8').matchAll(/```json\n([\s\S]*?)```/g)]
  .map((m) => JSON.parse(m[1]!) as Record<string, unknown>)
  .filter((block) => 'id' in block);

describe('docs/rules.md', () => {
  it('has an example for each new kind and field', () => {
    const kinds = examples.flatMap((rule) => (rule.limits as Array<{ kind?: string }>).map((limit) => limit.kind ?? 'window'));
    expect(new Set(kinds)).toEqual(new Set(['bucket', 'carriers', 'shared', 'window', 'concurrent']));
    for (const field of ['action', 'consistency', 'onLimit']) expect(examples.some((rule) => field in rule)).toBe(true);
  });

  it.each(examples.map((rule) => [rule.id as string, rule]))('example %s is a valid rule', (_, rule) => {
    expect(parseRules('docs/rules.md', { rules: [rule] })).toHaveLength(1);
  });
});
