/**
 * Kazoo's rate-limiting documents (system_config/crossbar and system_config/token_buckets, design
 * note 002), accepted verbatim and turned into native bucket rules:
 *   {"_id": "crossbar", "default": {"token_costs": 0 | N | {...}}}
 *   {"_id": "token_buckets", "default": {"max_bucket_tokens": 100, "tokens_fill_rate": 10,
 *     "tokens_fill_time": "second", "<application>": {the same three keys}}}
 *
 * One rule per Kazoo application, id "kazoo:<application>", keyed like Kazoo's buckets by client
 * address and account (["ip", "param.accountId?"]: the account only where the route names one):
 *   crossbar     every API route ("/v1/*", any method), priced by the crossbar document's
 *                token_costs. token_costs 0 disables it: no crossbar rule at all.
 *   callflow     calls placed: POST /v1/accounts/:accountId/calls, 1 token a call.
 *   conferences  conferences started: POST /v1/accounts/:accountId/conferences, 1 token each.
 *   other names  kept, for "/v1/<application>/*" at 1 token a request. No route lives there, so such a
 *                rule applies to nothing (the rule loader warns about rules for routes that do not
 *                exist); it is kept so that the document round-trips and the admin view shows it.
 * token_costs are crossbar's (Kazoo prices API requests only): the other applications' buckets
 * count one token per call or conference. Parameters an application leaves out come from the
 * document's top level, then Kazoo's defaults (100 tokens, 10 per second). Both documents shape the
 * one crossbar rule, so a loader passes them together: kazooEntriesOf takes a file holding one
 * document or an array of both.
 */
import type { FillTime, TokenCosts } from './rule.js';
import type { NativeBucketJson } from './limit-schema.js';
import { FILL_TIMES } from './limit-schema.js';
import { BUCKET_DEFAULTS, MAX_COST_DEPTH } from './parse-limits.js';
import { RuleFileError } from './rule-file-error.js';
import type { NativeRuleJson } from './rule-schema.js';

export type KazooDocumentKind = 'crossbar' | 'token_buckets';

/** A native rule made from a Kazoo document, with the JSONPath (in its document) it came from. */
export interface KazooRuleEntry {
  at: string;
  rule: NativeRuleJson;
}

const BUCKET_KEYS = ['max_bucket_tokens', 'tokens_fill_rate', 'tokens_fill_time'] as const;
type BucketParams = { max_bucket_tokens: number; tokens_fill_rate: number; tokens_fill_time: FillTime };
/** The rule-id and path-safe spelling of an application name (the schema's "application"). */
const APPLICATION = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const LOWER_METHODS = new Set(['get', 'put', 'post', 'patch', 'delete', 'head', 'options']);
/** Where each known application's bucket applies; the rest get "/v1/<application>/*". */
const ROUTES: Record<string, { method: string; path: string; description: string }> = {
  crossbar: { method: '*', path: '/v1/*', description: 'every API request' },
  callflow: { method: 'POST', path: '/v1/accounts/:accountId/calls', description: 'calls placed' },
  conferences: { method: 'POST', path: '/v1/accounts/:accountId/conferences', description: 'conferences started' },
};

/** Which Kazoo document `json` is, by its "_id"; undefined for anything else. */
export function kazooDocumentKind(json: unknown): KazooDocumentKind | undefined {
  if (!isObject(json)) return undefined;
  return json._id === 'crossbar' || json._id === 'token_buckets' ? json._id : undefined;
}

/** Throws RuleFileError(source, JSONPath, reason) for the first problem of a Kazoo document. */
export function validateKazooDocument(source: string, json: unknown): void {
  const fail = (path: string, reason: string): never => {
    throw new RuleFileError(source, path, reason);
  };
  const kind = kazooDocumentKind(json);
  if (!isObject(json)) return fail('$', 'expected a Kazoo system_config document: {"_id": "crossbar" | "token_buckets", "default": {...}}');
  if (!kind) return fail('$._id', 'expected "crossbar" or "token_buckets" (the Kazoo system_config documents for rate limiting)');
  for (const key of Object.keys(json)) {
    if (['_id', '_rev', 'default', 'description'].includes(key) || key.startsWith('pvt_')) continue;
    const why = key.includes('@') ? 'node-specific sections are not supported: put the settings under "default"' : 'unknown key: a Kazoo document holds "_id", "_rev", "description" and "default"';
    fail(`$${segment(key)}`, why);
  }
  if (!isObject(json.default)) return fail('$.default', 'missing or not an object: the settings live under "default"');
  if (kind === 'crossbar') {
    // A real crossbar document carries crossbar's other settings (port, ssl...): only token_costs is read.
    for (const key of Object.keys(json.default)) {
      if (key.startsWith('token') && key !== 'token_costs') fail(`$.default${segment(key)}`, 'unknown key; did you mean "token_costs"?');
    }
    if (json.default.token_costs !== undefined) checkCosts(json.default.token_costs, '$.default.token_costs', 0, fail);
    return;
  }
  for (const [key, value] of Object.entries(json.default)) {
    const at = `$.default${segment(key)}`;
    if ((BUCKET_KEYS as readonly string[]).includes(key)) {
      checkParam(key, value, at, fail);
    } else if (key === 'token_costs') {
      fail(at, 'token_costs belong in the crossbar document ({"_id": "crossbar", "default": {"token_costs": ...}})');
    } else if (!APPLICATION.test(key)) {
      fail(at, 'an application name is 1-64 letters, digits and _ . - (e.g. "crossbar", "callflow")');
    } else if (!isObject(value)) {
      fail(at, `expected an object of ${BUCKET_KEYS.join(', ')} for application "${key}"`);
    } else {
      for (const [param, inner] of Object.entries(value)) {
        if (!(BUCKET_KEYS as readonly string[]).includes(param)) fail(`${at}${segment(param)}`, `unknown key; an application sets ${BUCKET_KEYS.join(', ')}`);
        checkParam(param, inner, `${at}${segment(param)}`, fail);
      }
    }
  }
}

/**
 * The native bucket rules the documents describe (validated first; each names its own kind in
 * "_id"). Without a crossbar document requests cost 1, as in Kazoo; without a token_buckets
 * document the crossbar bucket has Kazoo's defaults. Neither document: no rules.
 */
export function kazooBucketRules(source: string, docs: { crossbar?: unknown; tokenBuckets?: unknown }): KazooRuleEntry[] {
  for (const [doc, kind] of [[docs.crossbar, 'crossbar'], [docs.tokenBuckets, 'token_buckets']] as const) {
    if (doc === undefined) continue;
    validateKazooDocument(source, doc);
    if (kazooDocumentKind(doc) !== kind) throw new RuleFileError(source, '$._id', `expected "${kind}" here, found "${String((doc as { _id: unknown })._id)}"`);
  }
  if (docs.crossbar === undefined && docs.tokenBuckets === undefined) return [];
  const costs = (docs.crossbar as { default: { token_costs?: TokenCosts } } | undefined)?.default.token_costs;
  const buckets = ((docs.tokenBuckets as { default?: Record<string, unknown> } | undefined)?.default ?? {}) as Record<string, unknown>;
  const top = paramsOf(buckets, defaultParams());
  // Crossbar first (it exists whether or not token_buckets names it), then the document's order.
  const applications = ['crossbar', ...Object.keys(buckets).filter((key) => key !== 'crossbar' && !(BUCKET_KEYS as readonly string[]).includes(key))];

  const out: KazooRuleEntry[] = [];
  for (const application of applications) {
    if (application === 'crossbar' && costs === 0) continue; // Kazoo: token_costs 0 disables rate limiting.
    const params = buckets[application] === undefined ? top : paramsOf(buckets[application] as Record<string, unknown>, top);
    const limit: NativeBucketJson = { kind: 'bucket', ...params, application };
    if (application === 'crossbar' && costs !== undefined) limit.token_costs = costs;
    const route = ROUTES[application] ?? { method: '*', path: `/v1/${application}/*`, description: `requests under /v1/${application}/ (no such route: applies to nothing)` };
    const rule: NativeRuleJson & { description: string } = {
      id: `kazoo:${application}`,
      description: `Kazoo token bucket "${application}": ${route.description}, per client address and account`,
      match: { method: route.method, path: route.path },
      key: ['ip', 'param.accountId?'],
      limits: [limit],
    };
    const at = buckets[application] !== undefined ? `$.default${segment(application)}` : application === 'crossbar' && costs !== undefined ? '$.default.token_costs' : '$.default';
    out.push({ at, rule });
  }
  return out;
}

/**
 * The rules of a rule file holding Kazoo documents: one document, or an array of at most one of
 * each (so that a crossbar document and a token_buckets document, which make one crossbar rule
 * together, can sit in one file). Undefined when `json` is neither. Errors and rule paths name the
 * array item ("$[1].default...").
 */
export function kazooEntriesOf(source: string, json: unknown): KazooRuleEntry[] | undefined {
  if (kazooDocumentKind(json)) return kazooBucketRules(source, kazooDocumentKind(json) === 'crossbar' ? { crossbar: json } : { tokenBuckets: json });
  if (!Array.isArray(json) || json.length === 0 || !json.every((doc) => kazooDocumentKind(doc) || (isObject(doc) && '_id' in doc))) return undefined;
  const at: Partial<Record<KazooDocumentKind, number>> = {};
  json.forEach((doc, i) => {
    const kind = kazooDocumentKind(doc);
    if (!kind) throw new RuleFileError(source, `$[${i}]._id`, 'expected "crossbar" or "token_buckets" (the Kazoo system_config documents for rate limiting)');
    if (at[kind] !== undefined) throw new RuleFileError(source, `$[${i}]._id`, `a second "${kind}" document (also $[${at[kind]}])`);
    at[kind] = i;
  });
  const prefix = (kind: KazooDocumentKind, path: string) => `$[${at[kind]}]${path.slice(1)}`;
  for (const kind of ['crossbar', 'token_buckets'] as const) {
    if (at[kind] === undefined) continue;
    try {
      validateKazooDocument(source, json[at[kind]]);
    } catch (error) {
      throw error instanceof RuleFileError ? new RuleFileError(source, prefix(kind, error.path), error.reason) : error;
    }
  }
  const crossbar = at.crossbar === undefined ? undefined : json[at.crossbar];
  const tokenBuckets = at.token_buckets === undefined ? undefined : json[at.token_buckets];
  // Each rule's path is in the document it came from: token_buckets' unless crossbar's costs alone made it.
  return kazooBucketRules(source, { crossbar, tokenBuckets }).map((entry) => ({
    at: prefix(entry.at.startsWith('$.default.token_costs') || at.token_buckets === undefined ? 'crossbar' : 'token_buckets', entry.at),
    rule: entry.rule,
  }));
}

function defaultParams(): BucketParams {
  return { max_bucket_tokens: BUCKET_DEFAULTS.maxTokens, tokens_fill_rate: BUCKET_DEFAULTS.fillRate, tokens_fill_time: BUCKET_DEFAULTS.fillTime };
}

/** The three bucket parameters a section sets, the rest from `fallback`. */
function paramsOf(section: Record<string, unknown>, fallback: BucketParams): BucketParams {
  const out = { ...fallback };
  for (const key of BUCKET_KEYS) if (section[key] !== undefined) (out as Record<string, unknown>)[key] = section[key];
  return out;
}

function checkParam(key: string, value: unknown, at: string, fail: (path: string, reason: string) => never): void {
  if (key === 'tokens_fill_time') {
    if (!(FILL_TIMES as readonly unknown[]).includes(value)) fail(at, `${JSON.stringify(value)} is not a fill time: one of "second", "minute", "hour", "day"`);
    return;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    fail(at, `${JSON.stringify(value)} is not a ${key === 'max_bucket_tokens' ? 'bucket size' : 'fill rate'}: a whole number >= 1`);
  }
}

/** token_costs: a whole number >= 0, or objects at most MAX_COST_DEPTH keys deep whose leaves are. */
function checkCosts(value: unknown, at: string, depth: number, fail: (path: string, reason: string) => never): void {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      fail(at, `${value} is not a cost: costs are whole numbers of tokens >= 0 (0: free); to fall through to the next key, leave this one out`);
    }
    return;
  }
  if (!isObject(value)) return fail(at, 'must be a whole number >= 0 or an object of them');
  if (depth >= MAX_COST_DEPTH) return fail(at, `token_costs nest at most ${MAX_COST_DEPTH} keys deep ({ACCOUNT_ID}.{ENDPOINT}.{METHOD}.{SUB-RESOURCE})`);
  for (const [key, inner] of Object.entries(value)) {
    // Crossbar compares methods in capitals: a "get" key would never match.
    if (LOWER_METHODS.has(key)) fail(`${at}${segment(key)}`, `HTTP methods are upper case in token_costs: write "${key.toUpperCase()}"`);
    checkCosts(inner, `${at}${segment(key)}`, depth + 1, fail);
  }
}

/** A key in a JSONPath: .callflows, or ["{ACCOUNT_ID}"] when it is not a plain name. */
function segment(name: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
