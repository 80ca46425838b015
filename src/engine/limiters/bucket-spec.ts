/**
 * Kazoo's token buckets ({"kind": "bucket"}, crossbar's rate limiting) as a StateSpec for the
 * generic state limiter (state-limiter.ts): one bucket per partition (Kazoo: per client address and
 * account), stored as `{"t": tokens, "at": epoch ms}` and written by compare-and-set. What a
 * request costs (Kazoo's token_costs, engine/token-costs.ts) arrives as `target.cost`; the math is
 * engine/token-bucket.ts.
 */
import type { BucketLimit } from '../../rules/rule.js';
import type { Target } from '../admit.js';
import { TTL_MARGIN_SECONDS } from '../decide.js';
import type { LimitDecision } from '../limiter.js';
import { fillFromEmptyMs, giveBack, newBucket, takeTokens, type BucketState } from '../token-bucket.js';
import type { StateSpec } from './state-limiter.js';

export const bucketSpec: StateSpec<BucketState> = {
  kind: 'bucket',

  decode(text, target, nowMs) {
    return parse(text) ?? newBucket(bucketOf(target), nowMs);
  },

  encode(state) {
    return JSON.stringify({ t: state.tokens, at: state.atMs });
  },

  take(state, target, nowMs) {
    const bucket = bucketOf(target);
    const taken = takeTokens(bucket, state, target.cost ?? 1, nowMs);
    const decision: LimitDecision = {
      rule: target.rule,
      kind: 'bucket',
      caller: target.partition.caller,
      allowed: taken.allowed,
      limit: bucket.maxTokens,
      remaining: taken.remaining,
      retryAfterMs: taken.retryAfterMs,
      resetMs: taken.resetMs,
      window: bucket.fillTime,
      windowSeconds: bucket.fillTimeMs / 1000,
      usedShare: Math.min(1, Math.max(0, (bucket.maxTokens - taken.next.tokens) / bucket.maxTokens)),
    };
    // A refusal takes nothing: `next` is the refilled bucket, equal in value to the stored one.
    return { decision, next: taken.next };
  },

  refund(state, target, nowMs) {
    return giveBack(bucketOf(target), state, target.cost ?? 1, nowMs);
  },

  ttlSeconds(target) {
    // Untouched for this long a bucket is full again, which is what a missing row reads as.
    return Math.ceil(fillFromEmptyMs(bucketOf(target)) / 1000) + TTL_MARGIN_SECONDS;
  },
};

function bucketOf(target: Target): BucketLimit {
  const bucket = target.rule.bucket;
  if (!bucket) throw new Error(`rule ${target.rule.id} is decided as a bucket but has no bucket`);
  return bucket;
}

/**
 * The stored bucket, or undefined for a new partition. A row this code cannot read (written by a
 * different version) reads as new: a full bucket, which is what the row becomes untouched anyway.
 */
function parse(text: string | undefined): BucketState | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as { t?: unknown; at?: unknown };
    if (typeof value?.t === 'number' && Number.isFinite(value.t) && typeof value.at === 'number' && Number.isFinite(value.at)) {
      return { tokens: Math.max(0, value.t), atMs: value.at };
    }
  } catch {
    // Falls through to "new".
  }
  return undefined;
}
