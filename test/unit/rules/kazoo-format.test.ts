/**
 * Kazoo's crossbar and token_buckets documents (rules/kazoo-format.ts): the design note's documents
 * verbatim to native bucket rules, and every bad shape to its file, JSONPath and reason.
 */
import { describe, expect, it } from 'vitest';
import { kazooBucketRules, kazooDocumentKind, kazooEntriesOf, validateKazooDocument } from '../../../src/rules/kazoo-format.js';
import { parseRules } from '../../../src/rules/parse-rules.js';
import { RuleFileError } from '../../../src/rules/rule-file-error.js';

const A = '4fe69c5b61015084f1fe5684abc6e502';
const KEY = ['ip', 'param.accountId?'];
const crossbar = (tokenCosts: unknown) => ({ _id: 'crossbar', default: { token_costs: tokenCosts } });
/** The note's per-application token_buckets document. */
const PER_APPLICATION = {
  _id: 'token_buckets',
  default: {
    crossbar: { max_bucket_tokens: 250, tokens_fill_rate: 10, tokens_fill_time: 'minute' },
    callflow: { max_bucket_tokens: 50, tokens_fill_rate: 5, tokens_fill_time: 'hour' },
  },
};

const crossbarRule = (extra: Record<string, unknown>) => ({
  id: 'kazoo:crossbar',
  description: 'Kazoo token bucket "crossbar": every API request, per client address and account',
  match: { method: '*', path: '/v1/*' },
  key: KEY,
  limits: [{ kind: 'bucket', max_bucket_tokens: 100, tokens_fill_rate: 10, tokens_fill_time: 'second', application: 'crossbar', ...extra }],
});

describe('kazooDocumentKind', () => {
  it.each([
    [crossbar(1), 'crossbar'],
    [PER_APPLICATION, 'token_buckets'],
    [{ _id: 'ecallmgr', default: {} }, undefined],
    [{ rules: [] }, undefined],
    [[], undefined],
    ['crossbar', undefined],
  ])('%j -> %s', (json, kind) => {
    expect(kazooDocumentKind(json)).toBe(kind);
  });
});

describe('kazooBucketRules: the note\'s crossbar documents, with Kazoo\'s default bucket', () => {
  it.each([
    ['1: callflows cost 2', { callflows: 2 }],
    ['2: callflows by method', { callflows: { GET: 1, PUT: 5, POST: 5, DELETE: 1 } }],
    ['3: a flat amount for an account', { [A]: 2 }],
    ['4: an account on one endpoint', { [A]: { callflows: 10 } }],
    ['flat 1', 1],
    ['quickcall 20', { devices: { quickcall: 20 } }],
  ])('%s', (_name, costs) => {
    expect(kazooBucketRules('system_config', { crossbar: crossbar(costs) })).toEqual([{ at: '$.default.token_costs', rule: crossbarRule({ token_costs: costs }) }]);
  });

  it('token_costs 0 disables: no crossbar rule at all', () => {
    expect(kazooBucketRules('system_config', { crossbar: crossbar(0) })).toEqual([]);
    expect(kazooBucketRules('system_config', { crossbar: crossbar(0), tokenBuckets: PER_APPLICATION }).map((e) => e.rule.id)).toEqual(['kazoo:callflow']);
  });

  it('a crossbar document without token_costs is Kazoo\'s default: 1 a request', () => {
    expect(kazooBucketRules('system_config', { crossbar: { _id: 'crossbar', default: { port: 8000 } } })).toEqual([{ at: '$.default', rule: crossbarRule({}) }]);
  });

  it('no documents, no rules', () => {
    expect(kazooBucketRules('system_config', {})).toEqual([]);
  });
});

describe('kazooBucketRules: token_buckets', () => {
  it('the note\'s per-application document: crossbar for every route, callflow for calls placed', () => {
    const entries = kazooBucketRules('system_config', { crossbar: crossbar({ callflows: 2 }), tokenBuckets: PER_APPLICATION });
    expect(entries).toEqual([
      {
        at: '$.default.crossbar',
        rule: {
          ...crossbarRule({}),
          limits: [{ kind: 'bucket', max_bucket_tokens: 250, tokens_fill_rate: 10, tokens_fill_time: 'minute', application: 'crossbar', token_costs: { callflows: 2 } }],
        },
      },
      {
        at: '$.default.callflow',
        rule: {
          id: 'kazoo:callflow',
          description: 'Kazoo token bucket "callflow": calls placed, per client address and account',
          match: { method: 'POST', path: '/v1/accounts/:accountId/calls' },
          key: KEY,
          limits: [{ kind: 'bucket', max_bucket_tokens: 50, tokens_fill_rate: 5, tokens_fill_time: 'hour', application: 'callflow' }],
        },
      },
    ]);
  });

  it('top-level parameters are every application\'s defaults; conferences and unknown applications get their routes', () => {
    const doc = {
      _id: 'token_buckets',
      _rev: '3-abc',
      pvt_type: 'config',
      default: { max_bucket_tokens: 20, tokens_fill_time: 'minute', conferences: { tokens_fill_rate: 2 }, ecallmgr: {} },
    };
    const entries = kazooBucketRules('system_config', { tokenBuckets: doc });
    expect(entries.map((e) => [e.at, e.rule.id, e.rule.match, e.rule.limits])).toEqual([
      ['$.default', 'kazoo:crossbar', { method: '*', path: '/v1/*' }, [{ kind: 'bucket', max_bucket_tokens: 20, tokens_fill_rate: 10, tokens_fill_time: 'minute', application: 'crossbar' }]],
      ['$.default.conferences', 'kazoo:conferences', { method: 'POST', path: '/v1/accounts/:accountId/conferences' }, [{ kind: 'bucket', max_bucket_tokens: 20, tokens_fill_rate: 2, tokens_fill_time: 'minute', application: 'conferences' }]],
      ['$.default.ecallmgr', 'kazoo:ecallmgr', { method: '*', path: '/v1/ecallmgr/*' }, [{ kind: 'bucket', max_bucket_tokens: 20, tokens_fill_rate: 10, tokens_fill_time: 'minute', application: 'ecallmgr' }]],
    ]);
  });

  it('makes rules the native parser takes: buckets with Kazoo\'s parameters and costs', () => {
    const entries = kazooBucketRules('system_config', { crossbar: crossbar({ devices: { quickcall: 20 } }), tokenBuckets: PER_APPLICATION });
    const rules = parseRules('system_config', { rules: entries.map((e) => e.rule) });
    expect(rules.map((r) => [r.id, r.kind, r.match.path, r.bucket])).toEqual([
      ['kazoo:crossbar', 'bucket', '/v1/*', { maxTokens: 250, fillRate: 10, fillTime: 'minute', fillTimeMs: 60_000, costs: { devices: { quickcall: 20 } }, application: 'crossbar' }],
      ['kazoo:callflow', 'bucket', '/v1/accounts/:accountId/calls', { maxTokens: 50, fillRate: 5, fillTime: 'hour', fillTimeMs: 3_600_000, costs: 1, application: 'callflow' }],
    ]);
  });
});

describe('kazooEntriesOf: a rule file of Kazoo documents', () => {
  it('takes one document, or both in an array (one crossbar rule from the two), with paths into the array', () => {
    expect(kazooEntriesOf('kazoo.json', crossbar({ callflows: 2 }))).toEqual(kazooBucketRules('kazoo.json', { crossbar: crossbar({ callflows: 2 }) }));
    const entries = kazooEntriesOf('kazoo.json', [PER_APPLICATION, crossbar({ callflows: 2 })])!;
    expect(entries.map((e) => [e.at, e.rule.id])).toEqual([
      ['$[0].default.crossbar', 'kazoo:crossbar'],
      ['$[0].default.callflow', 'kazoo:callflow'],
    ]);
    expect(kazooEntriesOf('kazoo.json', [crossbar(1)])!.map((e) => e.at)).toEqual(['$[0].default.token_costs']);
  });

  it('is not for other documents', () => {
    expect(kazooEntriesOf('rules.json', { rules: [] })).toBeUndefined();
    expect(kazooEntriesOf('rules.json', [])).toBeUndefined();
    expect(kazooEntriesOf('rules.json', [{ rules: [] }])).toBeUndefined();
  });

  it.each([
    ['a bad document in the array', [crossbar(1), { _id: 'token_buckets', default: { callflow: { tokens_fill_rate: 0 } } }], '$[1].default.callflow.tokens_fill_rate', '0 is not a fill rate: a whole number >= 1'],
    ['two documents of one kind', [crossbar(1), crossbar(2)], '$[1]._id', 'a second "crossbar" document (also $[0])'],
    ['another document in the array', [crossbar(1), { _id: 'ecallmgr', default: {} }], '$[1]._id', 'expected "crossbar" or "token_buckets" (the Kazoo system_config documents for rate limiting)'],
  ])('%s', (_name, json, path, reason) => {
    const error = catchError(() => kazooEntriesOf('kazoo.json', json));
    expect([error.file, error.path, error.reason]).toEqual(['kazoo.json', path, reason]);
  });
});

describe('bad Kazoo documents: file, JSONPath and reason', () => {
  const COST = 'is not a cost: costs are whole numbers of tokens >= 0 (0: free); to fall through to the next key, leave this one out';
  const cases: Array<[string, unknown, string, string]> = [
    ['not an object', [], '$', 'expected a Kazoo system_config document: {"_id": "crossbar" | "token_buckets", "default": {...}}'],
    ['another document', { _id: 'ecallmgr', default: {} }, '$._id', 'expected "crossbar" or "token_buckets" (the Kazoo system_config documents for rate limiting)'],
    ['unknown top-level key', { _id: 'crossbar', default: {}, rules: [] }, '$.rules', 'unknown key: a Kazoo document holds "_id", "_rev", "description" and "default"'],
    ['node-specific section', { _id: 'crossbar', default: {}, 'crossbar@kz1.example.com': {} }, '$["crossbar@kz1.example.com"]', 'node-specific sections are not supported: put the settings under "default"'],
    ['no default', { _id: 'token_buckets' }, '$.default', 'missing or not an object: the settings live under "default"'],
    ['negative cost', crossbar({ callflows: -1 }), '$.default.token_costs.callflows', `-1 ${COST}`],
    ['fractional cost', crossbar({ callflows: { GET: 2.5 } }), '$.default.token_costs.callflows.GET', `2.5 ${COST}`],
    ['negative flat cost', crossbar(-3), '$.default.token_costs', `-3 ${COST}`],
    ['a string cost', crossbar({ [A]: '2' }), `$.default.token_costs["${A}"]`, 'must be a whole number >= 0 or an object of them'],
    ['lower-case method', crossbar({ callflows: { get: 1 } }), '$.default.token_costs.callflows.get', 'HTTP methods are upper case in token_costs: write "GET"'],
    ['five keys deep', crossbar({ [A]: { devices: { GET: { quickcall: { x: 1 } } } } }), `$.default.token_costs["${A}"].devices.GET.quickcall`, 'token_costs nest at most 4 keys deep ({ACCOUNT_ID}.{ENDPOINT}.{METHOD}.{SUB-RESOURCE})'],
    ['misspelt token_costs', { _id: 'crossbar', default: { token_cost: 2 } }, '$.default.token_cost', 'unknown key; did you mean "token_costs"?'],
    ['unknown fill time', { _id: 'token_buckets', default: { tokens_fill_time: 'week' } }, '$.default.tokens_fill_time', '"week" is not a fill time: one of "second", "minute", "hour", "day"'],
    ['an application\'s fill time', { _id: 'token_buckets', default: { callflow: { tokens_fill_time: 'Hour' } } }, '$.default.callflow.tokens_fill_time', '"Hour" is not a fill time: one of "second", "minute", "hour", "day"'],
    ['empty bucket', { _id: 'token_buckets', default: { crossbar: { max_bucket_tokens: 0 } } }, '$.default.crossbar.max_bucket_tokens', '0 is not a bucket size: a whole number >= 1'],
    ['fractional fill rate', { _id: 'token_buckets', default: { tokens_fill_rate: 1.5 } }, '$.default.tokens_fill_rate', '1.5 is not a fill rate: a whole number >= 1'],
    ['fill rate as text', { _id: 'token_buckets', default: { callflow: { tokens_fill_rate: '5' } } }, '$.default.callflow.tokens_fill_rate', '"5" is not a fill rate: a whole number >= 1'],
    ['unknown application key', { _id: 'token_buckets', default: { callflow: { max_tokens: 5 } } }, '$.default.callflow.max_tokens', 'unknown key; an application sets max_bucket_tokens, tokens_fill_rate, tokens_fill_time'],
    ['an application that is not an object', { _id: 'token_buckets', default: { callflow: 50 } }, '$.default.callflow', 'expected an object of max_bucket_tokens, tokens_fill_rate, tokens_fill_time for application "callflow"'],
    ['costs in the wrong document', { _id: 'token_buckets', default: { token_costs: 1 } }, '$.default.token_costs', 'token_costs belong in the crossbar document ({"_id": "crossbar", "default": {"token_costs": ...}})'],
    ['an application name no rule id can hold', { _id: 'token_buckets', default: { 'call flow': {} } }, '$.default["call flow"]', 'an application name is 1-64 letters, digits and _ . - (e.g. "crossbar", "callflow")'],
  ];

  it.each(cases)('%s', (_name, json, path, reason) => {
    const error = catchError(() => validateKazooDocument('system_config/x.json', json));
    expect(error).toBeInstanceOf(RuleFileError);
    expect({ file: error.file, path: error.path, reason: error.reason }).toEqual({ file: 'system_config/x.json', path, reason });
  });

  it('kazooBucketRules validates, and wants each document in its place', () => {
    const bad = catchError(() => kazooBucketRules('kazoo', { crossbar: crossbar({ callflows: -1 }) }));
    expect([bad.path, bad.reason]).toEqual(['$.default.token_costs.callflows', `-1 ${COST}`]);
    const swapped = catchError(() => kazooBucketRules('kazoo', { crossbar: PER_APPLICATION }));
    expect([swapped.file, swapped.path, swapped.reason]).toEqual(['kazoo', '$._id', 'expected "crossbar" here, found "token_buckets"']);
  });

  it('accepts CouchDB metadata, _rev and a description', () => {
    expect(() => validateKazooDocument('x', { _id: 'crossbar', _rev: '1-a', description: 'costs', pvt_modified: 63_000_000_000, default: { token_costs: 1 } })).not.toThrow();
  });
});

function catchError(fn: () => unknown): RuleFileError {
  try {
    fn();
  } catch (error) {
    return error as RuleFileError;
  }
  throw new Error('expected a RuleFileError');
}
