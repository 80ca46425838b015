/**
 * Scenario d, the peer a Node team would pick: POST /v1/signup limited by rate-limiter-flexible
 * on Redis (ioredis), one RateLimiterRedis per window combined with RateLimiterUnion, which is
 * the library's documented way to enforce several windows at once.
 *
 * Algorithm: RateLimiterRedis is a FIXED window per key and duration. The first consume creates
 * a counter with a TTL of `duration` (SET NX EX + INCRBY in one Lua script), later consumes
 * increment it, and the count starts again from zero when the key expires. It is not a sliding
 * window: a caller can spend 5 just before its window ends and 5 more just after, so 10 land
 * within seconds under a "5 per hour" limit. tollgate's log answers "fewer than 5 in ANY hour".
 * RateLimiterUnion consumes every limiter in parallel, so a request refused by one window still
 * spends a point of the other (the 24h count grows during a flood).
 *
 * Env (besides the service's own): REDIS_PORT, BENCH_LIMITS ("5/3600,30/86400"),
 * BENCH_BLOCK_IN_MEMORY=1 to turn on inMemoryBlockOnConsumed (denied-path variant): a key that
 * used its points is then refused from process memory until its window ends, without Redis.
 * insuranceLimiter stays off: a Redis failure is an error (500), not a silent local fallback.
 */
import { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes, RateLimiterUnion } from 'rate-limiter-flexible';
import { parseLimits, serveLimitedApp, type Limiter } from './limited-app.js';

await serveLimitedApp('bench-peer', async ({ logger }) => {
  const redis = new Redis({ host: '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379), lazyConnect: true });
  await redis.connect();
  const blockInMemory = process.env.BENCH_BLOCK_IN_MEMORY === '1';
  const limits = parseLimits(process.env.BENCH_LIMITS ?? '5/3600,30/86400');
  const limiters = limits.map(
    ({ count, seconds }) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `signup-${count}-${seconds}`,
        points: count,
        duration: seconds,
        ...(blockInMemory ? { inMemoryBlockOnConsumed: count } : {}),
      }),
  );
  const combined = limiters.length === 1 ? limiters[0]! : new RateLimiterUnion(...limiters);
  logger.info({ limits, blockInMemory }, 'rate-limiter-flexible on Redis');

  const limiter: Limiter = async (key) => {
    try {
      await combined.consume(key);
      return { allowed: true };
    } catch (rejection) {
      return { allowed: false, retryAfterS: Math.ceil(msBeforeNext(rejection) / 1000) };
    }
  };
  return { limiter, close: async () => void (await redis.quit()) };
});

/**
 * A refusal is a RateLimiterRes (one limiter) or a map of keyPrefix -> RateLimiterRes (the union);
 * anything else (an Error from Redis) is rethrown and answered 500.
 */
function msBeforeNext(rejection: unknown): number {
  if (rejection instanceof RateLimiterRes) return rejection.msBeforeNext;
  if (rejection instanceof Error || typeof rejection !== 'object' || rejection === null) throw rejection;
  let longest = 0;
  for (const value of Object.values(rejection)) {
    if (!(value instanceof RateLimiterRes)) throw value;
    longest = Math.max(longest, value.msBeforeNext);
  }
  return longest;
}
