import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRules } from '../../../src/rules/parse-rules.js';
import { RuleFileError } from '../../../src/rules/rule-file-error.js';

const INVALID = 'test/fixtures/rules/invalid';
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as unknown;

/** One fixture per bad case, with the exact message an operator sees (file: JSONPath: reason). */
const expectedErrors: Record<string, string> = {
  'bad-error-code.json': '$.rules[0].error.code: must be UPPER_SNAKE_CASE (A-Z, 0-9 and _), e.g. "REQUEST_LIMIT_REACHED"',
  'bad-key.json':
    '$.rules[0].key: must be a key reference such as "body.phone", "header.x-account-id", "query.to", "param.accountId", "ip", "token" or "global" (a trailing "?" marks a part optional: "param.accountId?"), a list of them, or a list of {"from", "normalize"} objects',
  'bad-method.json': '$.rules[0].match.method: must be an HTTP method (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS), "*", or a list of methods',
  'bad-normalize.json': '$.rules[0].normalize: must be one of "e164", "email", "lowercase"',
  'bad-on-store-error.json': '$.rules[0].onStoreError: must be one of "allow", "deny", "local"',
  'bad-status.json': '$.rules[0].error.status: must be >= 400',
  'bad-window.json': '$.rules[0].limits[0].window: "5 minutes" is not a duration; write e.g. "90s", "5m", "1h", "24h" or "7d"',
  'count-too-large.json': '$.rules[0].limits[0].count: must be <= 1000',
  'duplicate-id.json': '$.rules[1].id: duplicate rule id "r" (also $.rules[0])',
  'duplicate-window.json': '$.rules[0].limits[1].window: window "1h" is already limited by limits[0]',
  'empty-limits.json': '$.rules[0].limits: must NOT have fewer than 1 items',
  'missing-limits.json': '$.rules[0]: missing required property "limits"',
  'normalize-compound-key.json':
    '$.rules[0].normalize: applies to a single key; with a compound key set "normalize" on each part ({"from": ..., "normalize": ...})',
  'param-not-in-path.json': '$.rules[0].key: route parameter "accountId" is not in match.path "/v1/calls"',
  'strip-plus-tag-without-email.json': '$.rules[0].stripPlusTag: only applies with "normalize": "email"',
  'system-settings-bad-caller.json': '$.api["/user/v1/create"][0].caller: must be one of "phone", "email", "userId", "token"',
  'system-settings-duplicate-time.json': '$.api["/user/v1/create"][1].time: caller "phone" already has a limit over 60 minutes',
  'system-settings-missing-time.json': '$.api["/user/v1/create"][0]: missing required property "time"',
  'system-settings-relative-path.json': '$.api: API path "user/v1/create" must start with "/" and hold no spaces, "?" or "#"',
  'unknown-property.json': '$.rules[0]: unknown property "limit"',
  'window-too-long.json': '$.rules[0].limits[0].window: "32d" is longer than the longest window, 31d',
  'wrong-root.json': '$: expected a rule document: {"rules": [...]} (native) or {"api": {...}} (system settings)',
  'zero-count.json': '$.rules[0].limits[0].count: must be >= 1',
  'bad-list-entry.json': '$.rules[0].deny[1]: "1900*" is not an E.164 number or prefix ("+14155550100", "+1900*")',
  'list-on-compound-key.json': '$.rules[0].allow: lists apply to rules with a single key part',
  'bad-mode.json': '$.rules[0].mode: must be one of "enforce", "shadow"',
  'bad-interval.json': '$.rules[0].limits[0]: must be an interval "N/S" (at most N new within S seconds, e.g. "2/30"), or {"count", "window"}',
  'bad-interval-object.json': '$.rules[0].limits[0].interval: must be an interval "N/S" (at most N new within S seconds, e.g. "2/30"), or {"count", "window"}',
  'interval-duplicate-window.json': '$.rules[0].limits[1].window: window "30s" is already limited by limits[0]',
  'list-uppercase-email.json': '$.rules[0].allow[0]: "Boss@Example.com" must be lower-case, as keys are after normalisation',
  // The limiter kinds (bucket, carriers, shared), action, consistency, onLimit, the key grammar, wildcards.
  'action-delay-not-a-duration.json': '$.rules[0].action.maxWait: "2 seconds" is not a duration; write e.g. "1s", "2s", "30s"',
  'action-delay-queue-too-large.json': '$.rules[0].action.maxQueue: must be <= 10000',
  'action-delay-too-long.json': '$.rules[0].action.maxWait: "1m" is longer than the longest wait, 30s',
  'action-delay-without-wait.json': '$.rules[0].action: missing required property "maxWait"',
  'action-mark-in-shadow.json': '$.rules[0].action: "mark" does not apply in shadow mode: a shadow rule lets every request through at once and reports the ones it would refuse',
  'action-mark-on-concurrent.json': '$.rules[0].action: "mark" does not apply to a concurrent limit: it holds slots; only reject applies',
  'action-object-not-delay.json': '$.rules[0].action.kind: must be "reject", "mark" or {"kind": "delay", "maxWait": "2s", "maxQueue": 100}',
  'action-unknown.json': '$.rules[0].action: must be one of "reject", "mark"',
  'bucket-bad-fill-time.json': '$.rules[0].limits[0].tokens_fill_time: must be one of "second", "minute", "hour", "day"',
  'bucket-cost-not-a-number.json': '$.rules[0].limits[0].token_costs.callflows: must be a number >= 0 or an object of them',
  'bucket-costs-too-deep.json': '$.rules[0].limits[0].token_costs.a.devices.GET.quickcall: token_costs nest at most 4 keys deep ({ACCOUNT_ID}.{ENDPOINT}.{METHOD}.{SUB-RESOURCE})',
  'bucket-fractional-fill-rate.json': '$.rules[0].limits[0].tokens_fill_rate: must be integer',
  'bucket-negative-cost.json': '$.rules[0].limits[0].token_costs["{ACCOUNT_ID}"].callflows.GET: -1 is not a cost: a cost is a number >= 0 (0: free)',
  'bucket-unknown-property.json': '$.rules[0].limits[0]: unknown property "max_tokens"',
  'bucket-with-window.json': '$.rules[0].limits: a bucket limit stands alone in its rule: put windows in a rule of their own',
  'bucket-zero-tokens.json': '$.rules[0].limits[0].max_bucket_tokens: must be >= 1',
  'carriers-bad-name.json': '$.rules[0].limits[0].carriers[0].name: must be 1-64 characters of letters, digits and _ . -, starting with a letter or digit',
  'carriers-delay.json': '$.rules[0].action: "delay" does not apply to a carriers limit: it holds slots; only reject applies',
  'carriers-duplicate-name.json': '$.rules[0].limits[0].carriers[2].name: duplicate carrier "carrier-a" (also carriers[0])',
  'carriers-empty.json': '$.rules[0].limits[0].carriers: must NOT have fewer than 1 items',
  'carriers-lease-too-long.json': '$.rules[0].limits[0].lease: "32d" is longer than the longest lease, 31d',
  'carriers-max-too-large.json': '$.rules[0].limits[0].carriers[0].max: must be <= 1000',
  'carriers-missing-lease.json': '$.rules[0].limits[0]: missing required property "lease"',
  'carriers-shadow.json': '$.rules[0].mode: shadow mode is for limits that count requests: a carriers limit holds slots',
  'carriers-too-many.json': '$.rules[0].limits[0].carriers: must NOT have more than 16 items',
  'consistency-fast-on-bucket.json': '$.rules[0].consistency: "fast" applies to window limits (counted on each instance, shared at an interval): a bucket limit is always decided exactly',
  'consistency-fast-on-concurrent.json': '$.rules[0].consistency: "fast" applies to window limits (counted on each instance, shared at an interval): a concurrent limit is always decided exactly',
  'consistency-unknown.json': '$.rules[0].consistency: must be one of "exact", "fast"',
  'key-global-normalized.json': '$.rules[0].key[0].normalize: "global" is one constant key for every request: it takes no "normalize"',
  'key-missing.json': '$.rules[0]: missing required property "key"',
  'key-optional-global.json': '$.rules[0].key: must be a key reference such as "body.phone", "header.x-account-id", "query.to", "param.accountId", "ip", "token" or "global" (a trailing "?" marks a part optional: "param.accountId?"), a list of them, or a list of {"from", "normalize"} objects',
  'on-limit-in-shadow.json': '$.rules[0].onLimit: applies to enforce-mode rules: a shadow rule never refuses',
  'on-limit-not-a-url.json': '$.rules[0].onLimit.announceUrl: "busy.wav" is not an http or https URL',
  'on-limit-not-http.json': '$.rules[0].onLimit.announceUrl: "ftp://media.example.com/busy.wav" is not an http or https URL',
  'on-limit-url-too-long.json': '$.rules[0].onLimit.announceUrl: must NOT have more than 2048 characters',
  'on-limit-with-delay.json': '$.rules[0].onLimit: applies to rules whose action is "reject", not "delay"',
  'optional-param-not-in-path.json': '$.rules[0].key[1]: route parameter "accountId" is not in match.path "/v1/signup"',
  'shared-bad-period.json': '$.rules[0].limits[0].per: "1 second" is not a duration; write e.g. "1s", "30m", "4h"',
  'shared-ceil-over-rate.json': '$.rules[0].limits[0].ceil: ceil 40 is more than the rate 30: a member cannot take more than the whole',
  'shared-global-member.json': '$.rules[0].limits[0].member: must be a key reference such as "header.x-device-id", "body.deviceId", "query.device", "param.deviceId", "ip" or "token", or {"from", "normalize"}',
  'shared-member-param-not-in-path.json': '$.rules[0].limits[0].member: route parameter "deviceId" is not in match.path "/v1/accounts/:accountId/calls"',
  'shared-missing-share.json': '$.rules[0].limits[0]: missing required property "share"',
  'shared-share-over-ceil.json': '$.rules[0].limits[0].share: share 20 is more than ceil 15: a member\'s assured share is at most what it may take',
  'unknown-limit-kind.json': '$.rules[0].limits[0].kind: must be one of "window", "interval", "concurrent", "bucket", "carriers", "shared"',
  'wildcard-not-last.json': '$.rules[0].match.path: a wildcard "*" is written only as the last segment ("/v1/*", "/v1/accounts/:accountId/*"): "/v1/*/calls"',
  'wildcard-param-not-in-prefix.json': '$.rules[0].key[1]: route parameter "accountId" is not in match.path "/v1/*"; for a parameter only some routes under it have, write "param.accountId?"',
};

describe('parseRules, invalid documents', () => {
  it('has an expected message for every fixture (not-json.json is a loadRuleFiles case)', () => {
    const fixtures = readdirSync(INVALID).filter((f) => f !== 'not-json.json').sort();
    expect(fixtures).toEqual(Object.keys(expectedErrors).sort());
  });

  it.each(Object.entries(expectedErrors))('refuses %s with file, path and reason', (name, message) => {
    const file = `${INVALID}/${name}`;
    let caught: unknown;
    try {
      parseRules(file, read(file));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RuleFileError);
    expect((caught as RuleFileError).message).toBe(`${file}: ${message}`);
    expect((caught as RuleFileError).file).toBe(file);
  });
});

describe('parseRules, native format', () => {
  it('reads the shipped signup rules with their defaults', () => {
    const rules = parseRules('rules/signup.json', read('rules/signup.json'));
    expect(rules.map((r) => r.id)).toEqual(['signup-per-phone', 'signup-per-email']);
    const [phone, email] = rules;
    expect(phone).toMatchObject({
      source: 'rules/signup.json',
      match: { methods: ['POST'], path: '/v1/signup' },
      key: [{ source: 'body', name: 'phone', normalize: { kind: 'e164' }, label: 'body.phone' }],
      limits: [
        { count: 5, windowMs: 3_600_000, window: '1h' },
        { count: 30, windowMs: 86_400_000, window: '1d' },
      ],
      onMissingKey: 'skip',
      onStoreError: 'local',
    });
    expect(email!.key[0]!.normalize).toEqual({ kind: 'email', stripPlusTag: true });
    // error.message only: status and code come from the defaults.
    expect(email!.error).toEqual({ status: 429, code: 'REQUEST_LIMIT_REACHED', message: 'Too many signups for this email address. Try again later.' });
  });

  it('reads compound keys, header names lower-cased, methods upper-cased, "*" as any method', () => {
    const [rule] = parseRules('inline', {
      rules: [
        {
          id: 'calls-per-account-device',
          match: { method: ['post', 'PUT'], path: '/v1/accounts/:accountId/calls' },
          key: ['param.accountId', { from: 'header.X-Device-Id', normalize: 'lowercase' }, 'ip'],
          limits: [{ count: 10, window: '1m' }],
          onMissingKey: 'reject',
          onStoreError: 'deny',
        },
      ],
    });
    expect(rule!.match.methods).toEqual(['POST', 'PUT']);
    expect(rule!.key).toEqual([
      { source: 'param', name: 'accountId', label: 'param.accountId' },
      { source: 'header', name: 'x-device-id', normalize: { kind: 'lowercase' }, label: 'header.X-Device-Id' },
      { source: 'ip', label: 'ip' },
    ]);
    expect(rule!.onMissingKey).toBe('reject');
    expect(rule!.onStoreError).toBe('deny');
    const [any] = parseRules('inline', { rules: [{ id: 'a', match: { path: '/x' }, key: 'token', limits: [{ count: 1, window: '1s' }] }] });
    expect(any!.match.methods).toBe('*');
  });
});

describe('parseRules, the design notes\' system-settings format', () => {
  it('turns the notes\' document into one rule per API and caller, time in minutes', () => {
    const rules = parseRules('rules/examples/system-settings.json', read('rules/examples/system-settings.json'));
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({
      id: '/user/v1/create#phone',
      match: { methods: '*', path: '/user/v1/create' },
      key: [{ source: 'body', name: 'phone', normalize: { kind: 'e164' } }],
      limits: [
        { count: 20, windowMs: 3_600_000, window: '1h' },
        { count: 100, windowMs: 86_400_000, window: '1d' },
      ],
      error: { status: 429, code: 'REQUEST_LIMIT_REACHED' },
    });
  });

  it('maps every caller kind of the notes to its key', () => {
    const rules = parseRules('inline', {
      api: {
        '/v1/signup': [
          { caller: 'email', 'request-count': 3, time: 10 },
          { caller: 'userId', 'request-count': 3, time: 10 },
          { caller: 'token', 'request-count': 3, time: 10 },
        ],
      },
    });
    expect(rules.map((r) => [r.id, r.key[0]!.label, r.key[0]!.normalize?.kind])).toEqual([
      ['/v1/signup#email', 'body.email', 'email'],
      ['/v1/signup#userId', 'body.userId', undefined],
      ['/v1/signup#token', 'token', undefined],
    ]);
  });
});

describe('parseRules, interval limits in the FreeSWITCH notes\' syntax', () => {
  it('maps "N/S" and {"kind": "interval"} onto the exact window of N calls per S seconds, beside plain windows', () => {
    const [rule] = parseRules('test', {
      rules: [{ id: 'joins', match: { path: '/v1/accounts/:accountId/conferences/:sid/participants' }, key: 'param.sid', limits: ['2/30', { kind: 'interval', interval: '10/60' }, { kind: 'window', count: 100, window: '1h' }] }],
    });
    expect(rule!.limits).toEqual([
      { count: 2, windowMs: 30_000, window: '30s' },
      { count: 10, windowMs: 60_000, window: '1m' },
      { count: 100, windowMs: 3_600_000, window: '1h' },
    ]);
  });
});

