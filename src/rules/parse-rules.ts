/**
 * parseRules(source, json): one rule document, in either accepted format, to validated Rules.
 * Pure: no file or network access. Throws RuleFileError naming the source, the JSONPath and the
 * reason for the first problem found.
 */
import { DEFAULT_ERROR, type AccessList, type KeyPart, type Rule, type RuleError } from './rule.js';
import { EMPTY_LIST, createAccessList, entryProblem } from './access-list.js';
import { RuleFileError } from './rule-file-error.js';
import { describeSchemaError, validateNative, validateSystemSettings, type NativeRuleJson } from './rule-schema.js';
import { DEFAULT_BUCKET_KEY, keyPartsOf, type Fail } from './parse-key.js';
import { limitsOf } from './parse-limits.js';
import { actionOf, consistencyOf, onLimitOf } from './parse-shaping.js';
import { wildcardProblem } from './route-path.js';
import { fromSystemSettings, type SystemSettingsDocument } from './system-settings-format.js';
import { kazooEntriesOf } from './kazoo-format.js';

/** A carriers rule's error when it writes none: every carrier is at its limit, which is the service's state, not the caller's doing. */
export const CARRIERS_BUSY_ERROR: Readonly<RuleError> = Object.freeze({
  status: 503,
  code: 'ALL_CARRIERS_BUSY',
  message: 'All carriers are busy; try again shortly.',
});

export function parseRules(source: string, json: unknown): Rule[] {
  const entries = nativeEntriesOf(source, json);
  const rules = entries.map(({ at, rule }) => buildRule(source, at, rule));
  const seen = new Map<string, string>();
  rules.forEach((rule, i) => {
    const first = seen.get(rule.id);
    if (first !== undefined) throw new RuleFileError(source, `${entries[i]!.at}.id`, `duplicate rule id "${rule.id}" (also ${first})`);
    seen.set(rule.id, entries[i]!.at);
  });
  return rules;
}

/** Validates the document's shape and returns its rules in the native shape, each with its JSONPath. */
function nativeEntriesOf(source: string, json: unknown): Array<{ at: string; rule: NativeRuleJson }> {
  // Kazoo's crossbar (token_costs) and token_buckets documents, verbatim: bucket rules (kazoo-format.ts).
  const kazoo = kazooEntriesOf(source, json);
  if (kazoo) return kazoo as Array<{ at: string; rule: NativeRuleJson }>;
  if (isObject(json) && 'api' in json && !('rules' in json)) {
    if (!validateSystemSettings(json)) throw schemaError(source, validateSystemSettings.errors);
    return fromSystemSettings(source, json as unknown as SystemSettingsDocument);
  }
  if (!isObject(json) || !('rules' in json)) {
    throw new RuleFileError(source, '$', 'expected a rule document: {"rules": [...]} (native) or {"api": {...}} (system settings)');
  }
  if (!validateNative(json)) throw schemaError(source, validateNative.errors);
  return (json as { rules: NativeRuleJson[] }).rules.map((rule, i) => ({ at: `$.rules[${i}]`, rule }));
}

function buildRule(source: string, at: string, json: NativeRuleJson): Rule {
  const fail: Fail = (path, reason) => {
    throw new RuleFileError(source, `${at}${path}`, reason);
  };
  const pathProblem = wildcardProblem(json.match.path);
  if (pathProblem) fail('.match.path', pathProblem);
  const parsed = limitsOf(json, fail);
  const { kind } = parsed;
  if (json.mode === 'shadow' && (kind === 'concurrent' || kind === 'carriers')) {
    fail('.mode', `shadow mode is for limits that count requests: a ${kind} limit holds slots`);
  }
  const key = keyPartsOf(json, fail, kind === 'bucket' ? DEFAULT_BUCKET_KEY : undefined);
  const action = actionOf(json, kind, fail);
  const onLimit = onLimitOf(json, action, fail);
  return {
    id: json.id,
    kind,
    source,
    match: { methods: methodsOf(json.match.method), path: json.match.path },
    key,
    limits: parsed.limits,
    ...(parsed.concurrent ? { concurrent: parsed.concurrent } : {}),
    ...(parsed.bucket ? { bucket: parsed.bucket } : {}),
    ...(parsed.carriers ? { carriers: parsed.carriers } : {}),
    ...(parsed.shared ? { shared: parsed.shared } : {}),
    action,
    consistency: consistencyOf(json, kind, fail),
    ...(onLimit ? { onLimit } : {}),
    error: { ...(kind === 'carriers' ? CARRIERS_BUSY_ERROR : DEFAULT_ERROR), ...json.error },
    onMissingKey: json.onMissingKey ?? 'skip',
    onStoreError: json.onStoreError ?? 'local',
    mode: json.mode ?? 'enforce',
    allow: listOf(json.allow, '.allow', key, fail),
    deny: listOf(json.deny, '.deny', key, fail),
    definition: deepFreeze(structuredClone(json)),
  };
}

function listOf(entries: readonly string[] | undefined, at: string, key: readonly KeyPart[], fail: Fail): AccessList {
  if (!entries || entries.length === 0) return EMPTY_LIST;
  if (key.length > 1) fail(at, 'lists apply to rules with a single key part');
  entries.forEach((entry, i) => {
    const problem = entryProblem(entry, key[0]!.normalize);
    if (problem) fail(`${at}[${i}]`, problem);
  });
  return createAccessList(entries);
}

/** The top-level "allow" and "deny" of a native document: lists for every rule. */
export function globalListsOf(source: string, json: unknown): { allow: AccessList; deny: AccessList } {
  const doc = (typeof json === 'object' && json !== null ? json : {}) as { allow?: string[]; deny?: string[] };
  const check = (entries: string[] | undefined, at: string) => {
    (entries ?? []).forEach((entry, i) => {
      const problem = entryProblem(entry, undefined);
      if (problem) throw new RuleFileError(source, `$.${at}[${i}]`, problem);
    });
    return entries && entries.length > 0 ? createAccessList(entries) : EMPTY_LIST;
  };
  return { allow: check(doc.allow, 'allow'), deny: check(doc.deny, 'deny') };
}

function methodsOf(method: string | string[] | undefined): readonly string[] | '*' {
  if (method === undefined || method === '*') return '*';
  const list = (Array.isArray(method) ? method : [method]).map((m) => m.toUpperCase());
  return list.includes('*') ? '*' : [...new Set(list)];
}

function schemaError(source: string, errors: Parameters<typeof describeSchemaError>[0][] | null | undefined): RuleFileError {
  const first = errors?.[0];
  if (!first) return new RuleFileError(source, '$', 'does not match the rule schema');
  const { path, reason } = describeSchemaError(first);
  return new RuleFileError(source, path, reason);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
