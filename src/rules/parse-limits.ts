/**
 * A native rule's "limits" to the rule model: which limiter decides the rule (its kind) and that
 * limiter's parameters. Windows and intervals may share a rule; every other kind stands alone.
 */
import { MAX_WINDOW_MS, type BucketLimit, type CarrierLimit, type ConcurrentLimit, type FillTime, type Limit, type LimitKind, type SharedLimit, type TokenCosts } from './rule.js';
import { formatDuration, parseDuration } from './duration.js';
import { memberOf, type Fail } from './parse-key.js';
import type { NativeBucketJson, NativeCarriersJson, NativeConcurrentJson, NativeLimitJson, NativeSharedJson } from './limit-schema.js';
import type { NativeRuleJson } from './rule-schema.js';

/** The limiter of one rule: windows (possibly none) and at most one of the other kinds. */
export interface ParsedLimits {
  kind: LimitKind;
  limits: Limit[];
  concurrent?: ConcurrentLimit;
  bucket?: BucketLimit;
  carriers?: CarrierLimit;
  shared?: SharedLimit;
}

/** Kazoo's token_buckets defaults: 100 tokens, refilled 10 a second, a request costs 1. */
export const BUCKET_DEFAULTS = Object.freeze({ maxTokens: 100, fillRate: 10, fillTime: 'second' as FillTime, costs: 1 });
export const FILL_TIME_MS: Readonly<Record<FillTime, number>> = Object.freeze({ second: 1_000, minute: 60_000, hour: 3_600_000, day: 86_400_000 });
/** token_costs keys nest at most this deep: {ACCOUNT_ID}.{ENDPOINT}.{METHOD}.{SUB-RESOURCE} (Kazoo's quickcall). */
export const MAX_COST_DEPTH = 4;

type StandaloneJson = NativeConcurrentJson | NativeBucketJson | NativeCarriersJson | NativeSharedJson;
const STANDALONE: ReadonlySet<string> = new Set(['concurrent', 'bucket', 'carriers', 'shared']);

export function limitsOf(json: NativeRuleJson, fail: Fail): ParsedLimits {
  const at = json.limits.findIndex((item) => typeof item === 'object' && item.kind !== undefined && STANDALONE.has(item.kind));
  if (at < 0) return { kind: 'window', limits: windowsOf(json.limits, fail) };
  const item = json.limits[at] as StandaloneJson;
  if (json.limits.length > 1) {
    const others = json.limits.every((other, i) => i === at || typeof other === 'string' || !STANDALONE.has(other.kind ?? 'window')) ? 'windows' : 'the other limits';
    fail('.limits', `a ${item.kind} limit stands alone in its rule: put ${others} in a rule of their own`);
  }
  const base = `.limits[${at}]`;
  switch (item.kind) {
    case 'concurrent': {
      const leaseMs = durationOf(item.lease, `${base}.lease`, 'lease', fail);
      return { kind: 'concurrent', limits: [], concurrent: { max: item.max, leaseMs, lease: formatDuration(leaseMs) } };
    }
    case 'bucket':
      return { kind: 'bucket', limits: [], bucket: bucketOf(item, base, fail) };
    case 'carriers':
      return { kind: 'carriers', limits: [], carriers: carriersOf(item, base, fail) };
    case 'shared':
      return { kind: 'shared', limits: [], shared: sharedOf(item, json.match.path, base, fail) };
  }
}

function windowsOf(items: readonly NativeLimitJson[], fail: Fail): Limit[] {
  const limits = items.map((item, i): Limit => {
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
  return limits;
}

function bucketOf(item: NativeBucketJson, at: string, fail: Fail): BucketLimit {
  const fillTime = item.tokens_fill_time ?? BUCKET_DEFAULTS.fillTime;
  const bucket: BucketLimit = {
    maxTokens: item.max_bucket_tokens ?? BUCKET_DEFAULTS.maxTokens,
    fillRate: item.tokens_fill_rate ?? BUCKET_DEFAULTS.fillRate,
    fillTime,
    fillTimeMs: FILL_TIME_MS[fillTime],
    costs: item.token_costs === undefined ? BUCKET_DEFAULTS.costs : costsOf(item.token_costs, `${at}.token_costs`, 0, fail),
  };
  if (item.application !== undefined) bucket.application = item.application;
  return bucket;
}

/** Kazoo's token_costs: a number >= 0, or objects (at most MAX_COST_DEPTH deep) whose leaves are. */
function costsOf(value: unknown, at: string, depth: number, fail: Fail): TokenCosts {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) fail(at, `${value} is not a cost: a cost is a number >= 0 (0: free)`);
    return value;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(at, 'must be a number >= 0 or an object of them');
  if (depth >= MAX_COST_DEPTH) return fail(at, `token_costs nest at most ${MAX_COST_DEPTH} keys deep ({ACCOUNT_ID}.{ENDPOINT}.{METHOD}.{SUB-RESOURCE})`);
  const out: Record<string, TokenCosts> = {};
  for (const [name, inner] of Object.entries(value)) out[name] = costsOf(inner, `${at}${segment(name)}`, depth + 1, fail);
  return Object.freeze(out);
}

function carriersOf(item: NativeCarriersJson, at: string, fail: Fail): CarrierLimit {
  const seen = new Map<string, number>();
  item.carriers.forEach(({ name }, i) => {
    const first = seen.get(name);
    if (first !== undefined) fail(`${at}.carriers[${i}].name`, `duplicate carrier "${name}" (also carriers[${first}])`);
    seen.set(name, i);
  });
  const leaseMs = durationOf(item.lease, `${at}.lease`, 'lease', fail);
  return { carriers: Object.freeze(item.carriers.map(({ name, max }) => Object.freeze({ name, max }))), leaseMs, lease: formatDuration(leaseMs) };
}

function sharedOf(item: NativeSharedJson, path: string, at: string, fail: Fail): SharedLimit {
  const perMs = durationOf(item.per, `${at}.per`, 'period', fail);
  const ceil = item.ceil ?? item.rate;
  const ceilSaid = item.ceil === undefined ? `the rate ${item.rate} (ceil's default)` : `ceil ${ceil}`;
  if (item.share > ceil) fail(`${at}.share`, `share ${item.share} is more than ${ceilSaid}: a member's assured share is at most what it may take`);
  if (ceil > item.rate) fail(`${at}.ceil`, `ceil ${ceil} is more than the rate ${item.rate}: a member cannot take more than the whole`);
  return {
    rate: item.rate,
    perMs,
    per: formatDuration(perMs),
    burst: item.burst ?? item.rate,
    member: memberOf(item.member, path, at, fail),
    share: item.share,
    ceil,
  };
}

/** A lease or period: a duration longer than 0 and at most 31d. */
function durationOf(text: string, at: string, what: string, fail: Fail): number {
  const ms = parseDuration(text);
  if (ms === undefined) return fail(at, `"${text}" is not a duration; write e.g. "1s", "30m", "4h"`);
  if (ms === 0) return fail(at, `a ${what} must be longer than 0s`);
  if (ms > MAX_WINDOW_MS) return fail(at, `"${text}" is longer than the longest ${what}, 31d`);
  return ms;
}

/** A token_costs key in a JSONPath: .callflows, or ["{ACCOUNT_ID}"] when it is not a plain name. */
function segment(name: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}
