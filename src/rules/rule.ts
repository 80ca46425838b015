/**
 * The rule model every source (native files, the design notes' system-settings format, later the
 * system_settings table) is parsed into. Validated once by parseRules; the engine trusts it.
 */

/** Where one part of a key comes from. `name` is absent for ip and token. */
export type KeySource = 'body' | 'header' | 'query' | 'param' | 'ip' | 'token';

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

export interface Rule {
  id: string;
  /** File (or table row) the rule came from, for logs and admin views. */
  source: string;
  match: { methods: readonly string[] | '*'; path: string };
  key: readonly KeyPart[];
  /** Sliding windows (intervals included), in file order; empty for a concurrent rule. */
  limits: readonly Limit[];
  /** A concurrent rule's limit (then `limits` is empty). */
  concurrent?: ConcurrentLimit;
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
