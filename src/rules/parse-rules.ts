/**
 * parseRules(source, json): one rule document, in either accepted format, to validated Rules.
 * Pure: no file or network access. Throws RuleFileError naming the source, the JSONPath and the
 * reason for the first problem found.
 */
import { DEFAULT_ERROR, MAX_WINDOW_MS, type AccessList, type ConcurrentLimit, type KeyPart, type Limit, type Normalizer, type Rule } from './rule.js';
import { EMPTY_LIST, createAccessList, entryProblem } from './access-list.js';
import { formatDuration, parseDuration } from './duration.js';
import { RuleFileError } from './rule-file-error.js';
import { describeSchemaError, validateNative, validateSystemSettings, type NativeRuleJson, type NormalizeName } from './rule-schema.js';
import { fromSystemSettings, type SystemSettingsDocument } from './system-settings-format.js';

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
  const fail = (path: string, reason: string): never => {
    throw new RuleFileError(source, `${at}${path}`, reason);
  };
  const concurrentAt = json.limits.findIndex((item) => typeof item === 'object' && item.kind === 'concurrent');
  let concurrent: ConcurrentLimit | undefined;
  if (concurrentAt >= 0) {
    if (json.limits.length > 1) fail(`.limits`, 'a concurrent limit stands alone in its rule: put windows in a rule of their own');
    const item = json.limits[0] as { max: number; lease: string };
    const leaseMs = parseDuration(item.lease);
    if (leaseMs === undefined) fail('.limits[0].lease', `"${item.lease}" is not a duration; write e.g. "30m", "4h"`);
    if (leaseMs! > MAX_WINDOW_MS) fail('.limits[0].lease', `"${item.lease}" is longer than the longest lease, 31d`);
    if (json.mode === 'shadow') fail('.mode', 'shadow mode is for window limits: a concurrent limit holds slots');
    concurrent = { max: item.max, leaseMs: leaseMs!, lease: formatDuration(leaseMs!) };
  }
  const limits = concurrent ? [] : json.limits.map((item, i): Limit => {
    // An interval "N/S" is the exact sliding window of N calls per S seconds.
    const interval = typeof item === 'string' ? item : item.kind === 'interval' ? item.interval : undefined;
    const limit = interval === undefined ? (item as { count: number; window: string }) : { count: Number(interval.split('/')[0]), window: `${interval.split('/')[1]}s` };
    const windowMs = parseDuration(limit.window);
    if (windowMs === undefined) return fail(`.limits[${i}].window`, `"${limit.window}" is not a duration; write e.g. "90s", "5m", "1h", "24h" or "7d"`);
    if (windowMs > MAX_WINDOW_MS) return fail(`.limits[${i}].window`, `"${limit.window}" is longer than the longest window, 31d`);
    return { count: limit.count, windowMs, window: formatDuration(windowMs) };
  });
  limits.forEach((limit, i) => {
    const twin = limits.findIndex((other) => other.windowMs === limit.windowMs);
    if (twin !== i) fail(`.limits[${i}].window`, `window "${limit.window}" is already limited by limits[${twin}]`);
  });
  const key = keyPartsOf(json, json.match.path, fail);
  return {
    id: json.id,
    source,
    match: { methods: methodsOf(json.match.method), path: json.match.path },
    key,
    limits,
    ...(concurrent ? { concurrent } : {}),
    error: { ...DEFAULT_ERROR, ...json.error },
    onMissingKey: json.onMissingKey ?? 'skip',
    onStoreError: json.onStoreError ?? 'local',
    mode: json.mode ?? 'enforce',
    allow: listOf(json.allow, '.allow', key, fail),
    deny: listOf(json.deny, '.deny', key, fail),
    definition: deepFreeze(structuredClone(json)),
  };
}

function listOf(entries: readonly string[] | undefined, at: string, key: readonly KeyPart[], fail: (path: string, reason: string) => never): AccessList {
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

function keyPartsOf(json: NativeRuleJson, path: string, fail: (path: string, reason: string) => never): KeyPart[] {
  const single = typeof json.key === 'string';
  if (!single && json.normalize !== undefined) {
    fail('.normalize', 'applies to a single key; with a compound key set "normalize" on each part ({"from": ..., "normalize": ...})');
  }
  const entries = typeof json.key === 'string'
    ? [{ from: json.key, normalize: json.normalize, stripPlusTag: json.stripPlusTag }]
    : json.key.map((entry) => (typeof entry === 'string' ? { from: entry } : entry));
  return entries.map((entry, i) => {
    const at = single ? '' : `.key[${i}]`;
    const normalize = normalizerOf(entry.normalize, entry.stripPlusTag, () =>
      fail(single ? '.stripPlusTag' : `${at}.stripPlusTag`, 'only applies with "normalize": "email"'),
    );
    const [source, ...rest] = entry.from.split('.');
    const name = rest.length > 0 ? rest.join('.') : undefined;
    if (source === 'param' && !routeParams(path).includes(name!)) {
      fail(single ? '.key' : at, `route parameter "${name}" is not in match.path "${path}"`);
    }
    const part: KeyPart = { source: source as KeyPart['source'], label: entry.from };
    if (name !== undefined) part.name = source === 'header' ? name.toLowerCase() : name;
    if (normalize) part.normalize = normalize;
    return part;
  });
}

function normalizerOf(name: NormalizeName | undefined, stripPlusTag: boolean | undefined, misplaced: () => never): Normalizer | undefined {
  if (stripPlusTag !== undefined && name !== 'email') misplaced();
  if (name === 'email') return { kind: 'email', stripPlusTag: stripPlusTag ?? false };
  return name === undefined ? undefined : { kind: name };
}

function routeParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
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
