/**
 * Scenario e, the design notes' naive limiter, built as the notes describe it: for each window
 * `SELECT count(*) ... WHERE caller = ? AND api = ? AND time > maxTimeuuid(now - window)`, and if
 * every count is under its limit, `INSERT` the call. Nothing guards the gap between the reads and
 * the write, so simultaneous requests for one key all read the same count and are all admitted:
 * the over-admission test measures how many.
 *
 * Its costs grow with traffic: count(*) reads every row of the window (a flooder's partition is the
 * most expensive one to count, so the denied path gets slower as the abuse grows), and nothing
 * bounds the read except the TTL. There is no exact Retry-After either, only the window length.
 *
 * Own table (naive_calls, no static version column) in its own keyspace, on the same Cassandra
 * node, at the service's consistency. The windows' counts are read in parallel, which is the
 * fastest the approach can be. Env (besides the service's own): BENCH_LIMITS ("5/3600,30/86400").
 */
import cassandra from 'cassandra-driver';
import { parseLimits, serveLimitedApp, type Limiter } from './limited-app.js';

// The api column holds the rule's name, as in the service's calls table, so rows look alike.
const API = 'signup-per-phone';

await serveLimitedApp('bench-naive', async ({ client, keyspace, consistency, logger }) => {
  const limits = parseLimits(process.env.BENCH_LIMITS ?? '5/3600,30/86400');
  const table = `${keyspace}.naive_calls`;
  await client.execute(
    `CREATE TABLE IF NOT EXISTS ${table} (caller text, api text, time timeuuid, PRIMARY KEY ((caller, api), time)) WITH CLUSTERING ORDER BY (time DESC)`,
  );
  const countQuery = `SELECT count(*) FROM ${table} WHERE caller = ? AND api = ? AND time > maxTimeuuid(?)`;
  const insertQuery = `INSERT INTO ${table} (caller, api, time) VALUES (?, ?, ?) USING TTL ?`;
  // Rows outlive the longest window by a minute, like the service's TTL margin for clock skew.
  const ttlSeconds = Math.max(...limits.map((l) => l.seconds)) + 60;
  const options = { prepare: true, consistency, isIdempotent: true };
  logger.info({ limits, table }, 'naive count-then-insert limiter');

  const limiter: Limiter = async (key) => {
    const now = Date.now();
    const counts = await Promise.all(
      limits.map(async ({ seconds }) => {
        const result = await client.execute(countQuery, [key, API, new Date(now - seconds * 1000)], options);
        return Number(result.first()?.get('count') ?? 0);
      }),
    );
    const full = limits.find((limit, i) => counts[i]! >= limit.count);
    if (full) return { allowed: false, retryAfterS: full.seconds };
    // The gap: another request for this key can read the same counts right now and also insert.
    await client.execute(insertQuery, [key, API, cassandra.types.TimeUuid.fromDate(new Date(now)), ttlSeconds], options);
    return { allowed: true };
  };
  return { limiter, close: async () => {} };
});
