import { describe, expect, it } from 'vitest';
import { buildRuleSet } from '../../../src/rules/rule-source.js';

// The note's documents, verbatim (design note 002).
const crossbar = { _id: 'crossbar', default: { token_costs: { callflows: { GET: 1, PUT: 5, POST: 5, DELETE: 1 } } } };
const tokenBuckets = {
  _id: 'token_buckets',
  default: {
    crossbar: { max_bucket_tokens: 250, tokens_fill_rate: 10, tokens_fill_time: 'minute' },
    callflow: { max_bucket_tokens: 50, tokens_fill_rate: 5, tokens_fill_time: 'hour' },
  },
};

describe('Kazoo documents in files (or settings) of their own', () => {
  it('shape one crossbar bucket together: the token_buckets parameters with the crossbar costs', () => {
    const set = buildRuleSet([
      { origin: 'rules/crossbar.json', json: crossbar },
      { origin: 'rules/token_buckets.json', json: tokenBuckets },
    ]);
    const rule = set.rules.find((r) => r.id === 'kazoo:crossbar')!;
    expect(rule.source).toBe('rules/crossbar.json + rules/token_buckets.json');
    expect(rule.bucket).toMatchObject({ maxTokens: 250, fillRate: 10, fillTime: 'minute', costs: crossbar.default.token_costs });
    expect(set.rules.find((r) => r.id === 'kazoo:callflow')!.bucket).toMatchObject({ maxTokens: 50, fillRate: 5, fillTime: 'hour', costs: 1 });
  });

  it('keeps native rules of other documents beside them', () => {
    const native = { rules: [{ id: 'signup', match: { method: 'POST', path: '/v1/signup' }, key: 'body.phone', limits: [{ count: 1, window: '1h' }] }] };
    const set = buildRuleSet([
      { origin: 'a.json', json: native },
      { origin: 'setting:crossbar', json: crossbar },
      { origin: 'setting:token_buckets', json: tokenBuckets },
    ]);
    expect(set.rules.map((r) => r.id).sort()).toEqual(['kazoo:callflow', 'kazoo:crossbar', 'signup']);
  });

  it('refuses a second document of one kind, naming the first', () => {
    expect(() => buildRuleSet([
      { origin: 'rules/a.json', json: crossbar },
      { origin: 'setting:crossbar', json: crossbar },
    ])).toThrow('setting:crossbar: $._id: a second "crossbar" document (also rules/a.json)');
  });
});
