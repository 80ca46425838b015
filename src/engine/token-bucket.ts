/**
 * Kazoo's token bucket (crossbar's rate limiting), pure: a bucket holds up to `maxTokens`, gains
 * `fillRate` tokens per `fillTimeMs`, and a request takes its cost when the bucket holds that many.
 *
 * Kazoo adds `fillRate` tokens in one step every fill period; we refill continuously (fractional
 * tokens, `elapsed * fillRate / fillTimeMs`), which admits the same number per period without the
 * step, and lets Retry-After name the exact millisecond a request fits. A bucket nobody has used
 * (or whose row expired) is full, as Kazoo creates its buckets.
 */
import type { BucketLimit } from '../rules/rule.js';

/** A bucket as stored: tokens held at `atMs` (fractional). */
export interface BucketState {
  tokens: number;
  atMs: number;
}

/** What taking a cost from a bucket gives. */
export interface BucketTake {
  allowed: boolean;
  /** The bucket after the request (refilled to now, the cost taken if allowed). */
  next: BucketState;
  /** Refused: ms until the bucket holds the cost. Allowed: 0. */
  retryAfterMs: number;
  /** Whole tokens left after the request (0 when refused). */
  remaining: number;
  /** Ms until the bucket is full again. */
  resetMs: number;
  /** Whether the cost can never fit (more than the bucket holds): Retry-After is then the time to fill from empty. */
  neverFits: boolean;
}

/**
 * Float slack: refills are sums of products, and 4.5 + 50 * 10 / 1000 may land a hair under 5.
 * A billionth of a token is far below anything a client can observe.
 */
export const TOKEN_EPSILON = 1e-9;

export function newBucket(bucket: BucketLimit, nowMs: number): BucketState {
  return { tokens: bucket.maxTokens, atMs: nowMs };
}

/**
 * The bucket at `nowMs`. A clock behind the stored time (another instance's clock ahead) adds
 * nothing and keeps the stored time, so no stretch of time is ever counted twice.
 */
export function refill(bucket: BucketLimit, state: BucketState, nowMs: number): BucketState {
  const elapsedMs = Math.max(0, nowMs - state.atMs);
  const tokens = Math.min(bucket.maxTokens, state.tokens + (elapsedMs * bucket.fillRate) / bucket.fillTimeMs);
  return { tokens, atMs: Math.max(state.atMs, nowMs) };
}

/** Ms until a bucket holding `tokens` holds `wanted` (0 if it does), rounded up to the ms. */
export function msUntil(bucket: BucketLimit, tokens: number, wanted: number): number {
  const missing = wanted - tokens;
  if (missing <= TOKEN_EPSILON) return 0;
  return Math.ceil((missing * bucket.fillTimeMs) / bucket.fillRate - TOKEN_EPSILON);
}

/**
 * Takes `cost` tokens if the bucket holds them. Cost 0 always passes and takes nothing (Kazoo's
 * token_costs 0). A cost larger than the bucket can never fit: it is refused with `neverFits`; its
 * wait would be Infinity, which no Retry-After header can carry, so it is given as the time to fill
 * the whole bucket from empty (never 0, even when the bucket is full: a client must not retry at once).
 */
export function takeTokens(bucket: BucketLimit, state: BucketState, cost: number, nowMs: number): BucketTake {
  const current = refill(bucket, state, nowMs);
  const neverFits = cost > bucket.maxTokens;
  if (!neverFits && current.tokens + TOKEN_EPSILON >= cost) {
    // Never below zero: the slack above may admit a hair early.
    const next = { tokens: Math.max(0, current.tokens - cost), atMs: current.atMs };
    return { allowed: true, next, retryAfterMs: 0, remaining: wholeTokens(next.tokens), resetMs: msUntil(bucket, next.tokens, bucket.maxTokens), neverFits };
  }
  const resetMs = msUntil(bucket, current.tokens, bucket.maxTokens);
  return { allowed: false, next: current, retryAfterMs: neverFits ? fillFromEmptyMs(bucket) : msUntil(bucket, current.tokens, cost), remaining: 0, resetMs, neverFits };
}

/** Gives `cost` tokens back (an admission a later limiter refused), never beyond a full bucket. */
export function giveBack(bucket: BucketLimit, state: BucketState, cost: number, nowMs: number): BucketState {
  const current = refill(bucket, state, nowMs);
  return { tokens: Math.min(bucket.maxTokens, current.tokens + cost), atMs: current.atMs };
}

/** Ms for an empty bucket to fill: after that long untouched, a bucket equals a new one. */
export function fillFromEmptyMs(bucket: BucketLimit): number {
  return Math.ceil((bucket.maxTokens * bucket.fillTimeMs) / bucket.fillRate);
}

/** floor, with the slack: 2.9999999999 tokens are 3. */
export function wholeTokens(tokens: number): number {
  return Math.max(0, Math.floor(tokens + TOKEN_EPSILON));
}
