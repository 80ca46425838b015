/**
 * The rule model every source (native files, the design notes' system-settings format, later the
 * system_settings table) is parsed into. Validated once by parseRules; the engine trusts it.
 */

/** Where one part of a key comes from. `name` is absent for ip and token. */
/** `global`: one partition for every request (a system-wide limit, carriers). */
export type KeySource = 'body' | 'header' | 'query' | 'param' | 'ip' | 'token' | 'global';

export type Normalizer =
  | { kind: 'e164' }
  | { kind: 'email'; stripPlusTag: boolean }
  | { kind: 'lowercase' };

export interface KeyPart {
  source: KeySource;
  /** Field, header, query or route parameter name (headers lower-cased). */
  name?: string;
  normalize?: Normalizer;
  /** The spelling in the rule file ("body.phone"), used in messages. */
  label: string;
  /** Written with a trailing "?": an absent part is left out of the key (as null) instead of making the key missing. */
  optional?: boolean;
}

export interface Limit {
  count: number;
  windowMs: number;
  /** The window as written, normalised ("1h"), for error bodies and header policy names. */
  window: string;
}

/** What to do when the store fails or misses the decision deadline. */
export type OnStoreError = 'allow' | 'deny' | 'local';

export interface RuleError {
  status: number;
  code: string;
  message: string;
}

/** A concurrent limit: at most `max` slots held at once, each for at most `leaseMs`. */
export interface ConcurrentLimit {
  max: number;
  leaseMs: number;
  /** The lease as the rule writes it, normalised ("4h"). */
  lease: string;
}

/**
 * Which limiter decides a rule (engine/limiter.ts). A rule holds one kind: windows (and intervals)
 * may share a rule; every other kind stands alone in its rule.
 */
export type LimitKind = 'window' | 'concurrent' | 'bucket' | 'carriers' | 'shared';

/** Kazoo's tokens_fill_time. */
export type FillTime = 'second' | 'minute' | 'hour' | 'day';

/**
 * Kazoo's token_costs: one number for every request (0: no bucket), or keys looked up in Kazoo's
 * order ({ACCOUNT_ID}.{ENDPOINT}.{METHOD}, ... {ENDPOINT}), first non-negative wins
 * (engine/token-costs.ts).
 */
export type TokenCosts = number | { readonly [key: string]: TokenCosts };

/** A token bucket (Kazoo crossbar): up to maxTokens, fillRate tokens added every fillTime. */
export interface BucketLimit {
  maxTokens: number;
  fillRate: number;
  fillTime: FillTime;
  /** The fill period in ms (second = 1000, ...). */
  fillTimeMs: number;
  /** What a request costs; 1 when the rule names none. */
  costs: TokenCosts;
  /** Kazoo's application the bucket belongs to ("crossbar", "callflow", ...), when it came from a token_buckets document. */
  application?: string;
}

/** FreeSWITCH's limit_execute in succession: carriers tried in order, each with at most `max` calls at once. */
export interface CarrierLimit {
  carriers: ReadonlyArray<{ name: string; max: number }>;
  leaseMs: number;
  lease: string;
}

/**
 * A capacity shared among members with borrowing (hierarchical token bucket, HTB): the rule's key
 * names the parent (an account), `member` the child (a device). Each member is assured `share`
 * tokens per period and may borrow up to `ceil` while the parent has tokens its siblings left.
 */
export interface SharedLimit {
  /** The parent's tokens per period. */
  rate: number;
  perMs: number;
  /** The period as written, normalised ("1s"). */
  per: string;
  /** Largest bucket (parent and members); defaults to the rate. */
  burst: number;
  member: KeyPart;
  /** Each member's assured tokens per period. */
  share: number;
  /** The most a member may take per period, borrowing included; defaults to the rate. */
  ceil: number;
}

/** What happens to a request over the limit (the QoS notes' drop, delay, mark). */
export type Shaping =
  | { kind: 'reject' }
  /** Hold the request until it fits, at most maxWaitMs and with at most maxQueue waiting per key on an instance; then reject. */
  | { kind: 'delay'; maxWaitMs: number; maxQueue: number }
  /** Let it through, counted, with `Throttle-Status: exceeded`. */
  | { kind: 'mark' };

/**
 * exact: never more than the limit across instances while the store answers (a compare-and-set
 * per decision). fast: decided in memory on each instance, shared through the store at a short
 * interval, with a documented bound on the excess (engine/limiters/fast-limiter.ts).
 */
export type Consistency = 'exact' | 'fast';

export interface Rule {
  id: string;
  /** Which limiter decides this rule. */
  kind: LimitKind;
  /** File (or table row) the rule came from, for logs and admin views. */
  source: string;
  match: { methods: readonly string[] | '*'; path: string };
  key: readonly KeyPart[];
  /** Sliding windows (intervals included), in file order; empty for a concurrent rule. */
  limits: readonly Limit[];
  /** A concurrent rule's limit (then `limits` is empty). */
  concurrent?: ConcurrentLimit;
  /** A bucket rule's bucket (then `limits` is empty). */
  bucket?: BucketLimit;
  /** A carrier rule's carriers (then `limits` is empty). */
  carriers?: CarrierLimit;
  /** A shared (hierarchical) rule's capacity (then `limits` is empty). */
  shared?: SharedLimit;
  /** Over the limit: reject (default), delay or mark. */
  action: Shaping;
  consistency: Consistency;
  /** For calls: instead of refusing, create the call with status limit_exceeded and this announcement (FreeSWITCH's limit_exceeded destination). */
  onLimit?: { announceUrl: string };
  error: RuleError;
  onMissingKey: 'skip' | 'reject';
  onStoreError: OnStoreError;
  /** shadow: counted and reported (Throttle-Shadow header, log), never enforced. */
  mode: 'enforce' | 'shadow';
  /** Keys that skip this rule uncounted, and keys refused with its error uncounted. */
  allow: AccessList;
  deny: AccessList;
  /** The rule in the native format as it was written (converted for the notes' format): what the admin API shows and takes back. */
  definition: unknown;
}

/** Normalised keys, and prefixes (written with a trailing "*" in rule files). */
export interface AccessList {
  exact: ReadonlySet<string>;
  prefixes: readonly string[];
}

export interface RuleSet {
  rules: readonly Rule[];
  /** Sources (file names, settings) that went into this set, in load order. */
  sources: readonly string[];
  /** A hash of the rules' content (rule-source.ts's ruleSetVersion). */
  version: string;
  /** Lists that apply to every rule (the top-level "allow" and "deny" of native documents). */
  allow: AccessList;
  deny: AccessList;
}

export const DEFAULT_ERROR: Readonly<RuleError> = Object.freeze({
  status: 429,
  code: 'REQUEST_LIMIT_REACHED',
  message: 'Too many requests; try again later.',
});

/** The largest count a sliding-window rule may carry: each decision reads up to this many rows. */
export const MAX_LIMIT_COUNT = 1000;
/** The longest window: rows are kept (TTL) for the longest window of their rule. */
export const MAX_WINDOW_MS = 31 * 86_400_000;
