import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CARRIERS_BUSY_ERROR, parseRules } from '../../../src/rules/parse-rules.js';
import { isOptionalPart } from '../../../src/rules/optional-key-part.js';
import type { Rule } from '../../../src/rules/rule.js';

const ACCOUNT_CALLS = '/v1/accounts/:accountId/calls';
/** One native rule on POST /v1/accounts/:accountId/calls keyed by the account, with `fields` over it. */
const parse = (fields: Record<string, unknown>): Rule =>
  parseRules('inline', { rules: [{ id: 'r', match: { method: 'POST', path: ACCOUNT_CALLS }, key: 'param.accountId', ...fields }] })[0]!;
const windows = [{ count: 5, window: '1m' }];

describe('parseRules: every rule says its kind, action and consistency', () => {
  it('gives window rules (intervals too) kind "window", reject and exact, and no other limit', () => {
    const rule = parse({ limits: ['2/30', ...windows] });
    expect(rule).toMatchObject({ kind: 'window', action: { kind: 'reject' }, consistency: 'exact' });
    expect(rule).not.toHaveProperty('onLimit');
    expect(rule).not.toHaveProperty('bucket');
    expect(rule).not.toHaveProperty('concurrent');
  });

  it('gives a concurrent rule kind "concurrent" and no windows', () => {
    expect(parse({ limits: [{ kind: 'concurrent', max: 3, lease: '4h' }] })).toMatchObject({
      kind: 'concurrent',
      limits: [],
      concurrent: { max: 3, leaseMs: 14_400_000, lease: '4h' },
      action: { kind: 'reject' },
      consistency: 'exact',
    });
  });

  it('gives the shipped rules and the notes\' system-settings format the same defaults', () => {
    for (const file of ['rules/signup.json', 'rules/calls.json', 'rules/examples/system-settings.json']) {
      for (const rule of parseRules(file, JSON.parse(readFileSync(file, 'utf8')))) {
        expect([rule.kind, rule.action, rule.consistency]).toEqual([rule.concurrent ? 'concurrent' : 'window', { kind: 'reject' }, 'exact']);
      }
    }
  });
});

describe('parseRules: bucket limits (Kazoo token buckets)', () => {
  it('reads every field in Kazoo\'s words, token_costs as written', () => {
    const costs = { '{ACCOUNT_ID}': { callflows: 10 }, callflows: { GET: 1, PUT: 5 }, devices: { quickcall: 20 } };
    const rule = parse({ limits: [{ kind: 'bucket', max_bucket_tokens: 250, tokens_fill_rate: 10, tokens_fill_time: 'minute', token_costs: costs, application: 'crossbar' }] });
    expect(rule.kind).toBe('bucket');
    expect(rule.limits).toEqual([]);
    expect(rule.bucket).toEqual({ maxTokens: 250, fillRate: 10, fillTime: 'minute', fillTimeMs: 60_000, costs, application: 'crossbar' });
  });

  it('takes Kazoo\'s defaults (100 tokens, 10 a second, a request costs 1) and keys by ip and the account when no key is written', () => {
    const [rule] = parseRules('inline', { rules: [{ id: 'b', match: { path: '/v1/*' }, limits: [{ kind: 'bucket' }] }] });
    expect(rule!.bucket).toEqual({ maxTokens: 100, fillRate: 10, fillTime: 'second', fillTimeMs: 1_000, costs: 1 });
    expect(rule!.key).toEqual([
      { source: 'ip', label: 'ip' },
      { source: 'param', name: 'accountId', label: 'param.accountId?', optional: true },
    ]);
    // The definition is what was written: the admin API gives back no key it did not take.
    expect(rule!.definition).not.toHaveProperty('key');
  });

  it('gives the default key on a route without an account too (the account part is then always absent)', () => {
    const [rule] = parseRules('inline', { rules: [{ id: 'b', match: { method: 'POST', path: '/v1/signup' }, limits: [{ kind: 'bucket' }] }] });
    expect(rule!.key.map((part) => [part.label, isOptionalPart(part)])).toEqual([['ip', false], ['param.accountId?', true]]);
  });

  it.each([
    ['second', 1_000],
    ['minute', 60_000],
    ['hour', 3_600_000],
    ['day', 86_400_000],
  ])('turns tokens_fill_time "%s" into %d ms', (fillTime, ms) => {
    expect(parse({ limits: [{ kind: 'bucket', tokens_fill_time: fillTime }] }).bucket!.fillTimeMs).toBe(ms);
  });

  it('takes a flat cost, 0 (free), and a fill rate above the bucket size (Kazoo does not require less)', () => {
    expect(parse({ limits: [{ kind: 'bucket', token_costs: 0 }] }).bucket!.costs).toBe(0);
    expect(parse({ limits: [{ kind: 'bucket', token_costs: 2.5 }] }).bucket!.costs).toBe(2.5);
    expect(parse({ limits: [{ kind: 'bucket', max_bucket_tokens: 5, tokens_fill_rate: 50 }] }).bucket).toMatchObject({ maxTokens: 5, fillRate: 50 });
  });

  it('takes token_costs four keys deep (Kazoo\'s quickcall: account, endpoint, method, sub-resource)', () => {
    const costs = { acc: { devices: { GET: { quickcall: 20 } } } };
    expect(parse({ limits: [{ kind: 'bucket', token_costs: costs }] }).bucket!.costs).toEqual(costs);
  });
});

describe('parseRules: carriers limits (FreeSWITCH limit_execute in succession)', () => {
  const carriers = { kind: 'carriers', carriers: [{ name: 'carrier-a', max: 2 }, { name: 'carrier-b', max: 3 }], lease: '4h' };

  it('reads the carriers in order with their lease, and answers 503 ALL_CARRIERS_BUSY by default', () => {
    const rule = parse({ key: 'global', limits: [carriers] });
    expect(rule).toMatchObject({ kind: 'carriers', limits: [], key: [{ source: 'global', label: 'global' }] });
    expect(rule.carriers).toEqual({ carriers: [{ name: 'carrier-a', max: 2 }, { name: 'carrier-b', max: 3 }], leaseMs: 14_400_000, lease: '4h' });
    expect(rule.error).toEqual({ status: 503, code: 'ALL_CARRIERS_BUSY', message: 'All carriers are busy; try again shortly.' });
    expect(rule.error).toEqual(CARRIERS_BUSY_ERROR);
  });

  it('lets the rule\'s error override the default field by field', () => {
    expect(parse({ key: 'global', limits: [carriers], error: { message: 'No route out.' } }).error).toEqual({ status: 503, code: 'ALL_CARRIERS_BUSY', message: 'No route out.' });
    expect(parse({ key: 'global', limits: [carriers], error: { status: 429 } }).error.status).toBe(429);
  });
});

describe('parseRules: shared limits (hierarchical token bucket)', () => {
  it('reads rate, period, burst, member, share and ceil', () => {
    const rule = parse({ limits: [{ kind: 'shared', rate: 30, per: '1s', burst: 45, member: 'header.X-Device-Id', share: 10, ceil: 20 }] });
    expect(rule.kind).toBe('shared');
    expect(rule.shared).toEqual({ rate: 30, perMs: 1_000, per: '1s', burst: 45, member: { source: 'header', name: 'x-device-id', label: 'header.X-Device-Id' }, share: 10, ceil: 20 });
  });

  it('defaults burst and ceil to the rate, takes share = ceil = rate, and a member as {"from", "normalize"}', () => {
    const rule = parse({ limits: [{ kind: 'shared', rate: 30, per: '1m', member: { from: 'body.device', normalize: 'lowercase' }, share: 30 }] });
    expect(rule.shared).toMatchObject({ rate: 30, perMs: 60_000, per: '1m', burst: 30, share: 30, ceil: 30 });
    expect(rule.shared!.member).toEqual({ source: 'body', name: 'device', normalize: { kind: 'lowercase' }, label: 'body.device' });
  });

  it('takes a member route parameter of the path', () => {
    const [rule] = parseRules('inline', {
      rules: [{ id: 's', match: { path: '/v1/accounts/:accountId/devices/:deviceId/quickcall/:number' }, key: 'param.accountId', limits: [{ kind: 'shared', rate: 30, per: '1s', member: 'param.deviceId', share: 10 }] }],
    });
    expect(rule!.shared!.member).toEqual({ source: 'param', name: 'deviceId', label: 'param.deviceId' });
  });
});

describe('parseRules: action, consistency and onLimit', () => {
  it('reads "reject", "mark" and a delay with its queue (100 by default)', () => {
    expect(parse({ limits: windows, action: 'reject' }).action).toEqual({ kind: 'reject' });
    expect(parse({ limits: windows, action: 'mark' }).action).toEqual({ kind: 'mark' });
    expect(parse({ limits: windows, action: { kind: 'delay', maxWait: '2s' } }).action).toEqual({ kind: 'delay', maxWaitMs: 2_000, maxQueue: 100 });
    expect(parse({ limits: windows, action: { kind: 'delay', maxWait: '30s', maxQueue: 10_000 } }).action).toEqual({ kind: 'delay', maxWaitMs: 30_000, maxQueue: 10_000 });
  });

  it('lets bucket and shared rules delay or mark, and concurrent and carriers rules reject', () => {
    expect(parse({ limits: [{ kind: 'bucket' }], action: { kind: 'delay', maxWait: '1s' } }).action.kind).toBe('delay');
    expect(parse({ limits: [{ kind: 'shared', rate: 3, per: '1s', member: 'ip', share: 1 }], action: 'mark' }).action.kind).toBe('mark');
    expect(parse({ limits: [{ kind: 'concurrent', max: 1, lease: '1h' }], action: 'reject' }).action.kind).toBe('reject');
  });

  it('reads "fast" on window rules and "exact" anywhere', () => {
    expect(parse({ limits: windows, consistency: 'fast' }).consistency).toBe('fast');
    expect(parse({ limits: [{ kind: 'bucket' }], consistency: 'exact' }).consistency).toBe('exact');
  });

  it('reads an announcement to play instead of refusing a call (http or https)', () => {
    expect(parse({ limits: windows, onLimit: { announceUrl: 'https://media.example.com/busy.wav' } }).onLimit).toEqual({ announceUrl: 'https://media.example.com/busy.wav' });
    expect(parse({ limits: [{ kind: 'concurrent', max: 3, lease: '4h' }], onLimit: { announceUrl: 'http://10.0.0.5/limit.mp3' } }).onLimit).toEqual({ announceUrl: 'http://10.0.0.5/limit.mp3' });
  });
});

describe('parseRules: the key grammar and wildcard routes', () => {
  it('reads "global" as a key and as a part, and a trailing "?" as an optional part', () => {
    expect(parse({ key: 'global', limits: windows }).key).toEqual([{ source: 'global', label: 'global' }]);
    const rule = parse({ key: ['global', 'param.accountId?', { from: 'header.X-Device?', normalize: 'lowercase' }], limits: windows });
    expect(rule.key).toEqual([
      { source: 'global', label: 'global' },
      { source: 'param', name: 'accountId', label: 'param.accountId?', optional: true },
      { source: 'header', name: 'x-device', normalize: { kind: 'lowercase' }, label: 'header.X-Device?', optional: true },
    ]);
    expect(rule.key.map(isOptionalPart)).toEqual([false, true, true]);
  });

  it('keeps a wildcard path as written and checks its param parts against the prefix', () => {
    const [rule] = parseRules('inline', { rules: [{ id: 'w', match: { path: '/v1/accounts/:accountId/*' }, key: 'param.accountId', limits: windows }] });
    expect(rule!.match).toEqual({ methods: '*', path: '/v1/accounts/:accountId/*' });
    expect(rule!.key).toEqual([{ source: 'param', name: 'accountId', label: 'param.accountId' }]);
  });

  it('lets an optional param part under a wildcard name a parameter only some routes have', () => {
    const [rule] = parseRules('inline', { rules: [{ id: 'w', match: { path: '/v1/*' }, key: ['ip', 'param.accountId?'], limits: windows }] });
    expect(rule!.key[1]).toEqual({ source: 'param', name: 'accountId', label: 'param.accountId?', optional: true });
    const [everything] = parseRules('inline', { rules: [{ id: 'all', match: { path: '/*' }, key: 'ip', limits: windows }] });
    expect(everything!.match.path).toBe('/*');
  });
});
