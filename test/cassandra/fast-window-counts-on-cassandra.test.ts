/**
 * What the contract suite cannot see of the Cassandra FastCountStore: the number of statements a
 * sync costs (counted by a wrapper around client.execute and client.batch, never timed), a failed write written
 * again by a later publish, instances with different shard counts, and an instance's own row left unparsed. Instance ids are drawn per
 * test, so the contract suite's rows (same keyspace, maybe the same windows) never mix in.
 */
import type cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import type { FastCount, FastCountKey } from '../../src/engine/fast-count-store.js';
import { CassandraFastCountStore } from '../../src/store/cassandra/cassandra-fast-count-store.js';
import { fastCountMinute, fastCountShard } from '../../src/store/cassandra/fast-count-shard.js';
import { TEST_KEYSPACE, testDomainOptions, uniqueId, useTestClient } from '../support/cassandra.js';

const opts = { timeoutMs: 5_000 };
const START = 1_900_000_020_000;
const SHARDS = 16;

/** A client that counts its statements (a batch is one, its rows counted apart) and can be told to fail the next ones. */
function counting(client: cassandra.Client) {
  const calls = { statements: 0, rows: 0, batchBytes: [] as number[], failNext: 0 };
  const maybeFail = () => {
    calls.statements++;
    if (calls.failNext > 0) {
      calls.failNext--;
      throw new Error('injected write failure');
    }
  };
  const execute = async (query: string, params?: cassandra.ArrayOrObject, options?: cassandra.QueryOptions) => {
    if (query.startsWith('INSERT')) calls.rows++;
    maybeFail();
    return client.execute(query, params, options);
  };
  const batch = async (queries: Array<{ query: string; params: unknown[] }>, options?: cassandra.QueryOptions) => {
    calls.rows += queries.length;
    // The counts column is the sixth parameter of an insert (minute, window_ms, window_start, shard, instance, counts).
    calls.batchBytes.push(queries.reduce((sum, q) => sum + Buffer.byteLength(q.params[5] as string), 0));
    maybeFail();
    return client.batch(queries, options);
  };
  return { client: { execute, batch } as unknown as cassandra.Client, calls };
}

const client = useTestClient();

describe('CassandraFastCountStore on fast_window_rows', () => {
  // A second connection: a second instance of the service.
  const second = useTestClient();
  const storeOn = (c: cassandra.Client) => new CassandraFastCountStore(c, testDomainOptions(), { shards: SHARDS });

  it('syncs 2,000 windows of two lengths in a few batches and one SELECT, not a statement per window or shard', async () => {
    const writer = counting(client());
    const reader = counting(second());
    const [i1, i2] = [uniqueId('i'), uniqueId('i')];
    // 1,000 devices with a per-second and a per-minute window each, both starting at START;
    // callers as long as real key hashes (43 characters), so that the rows take several batches.
    const keys: FastCountKey[] = Array.from({ length: 1_000 }, (_, d) => ({ caller: `dev-${String(d).padStart(39, '0')}`, api: 'packets-statements' })).flatMap((partition) => [
      { partition, windowMs: 1_000, windowStart: START },
      { partition, windowMs: 60_000, windowStart: START },
    ]);
    const counts: FastCount[] = keys.map((key, i) => ({ ...key, count: 1 + (i % 7) }));
    await storeOn(writer.client).publish(i1, counts, opts);
    // One row per length and shard, in unlogged batches kept under Cassandra's 50 KiB refusal.
    expect(writer.calls.rows).toBe(2 * SHARDS);
    const total = writer.calls.batchBytes.reduce((a, b) => a + b, 0);
    expect(writer.calls.statements).toBe(writer.calls.batchBytes.length);
    expect(total).toBeGreaterThan(80_000);
    expect(writer.calls.statements).toBeGreaterThanOrEqual(Math.ceil(total / 40_000));
    expect(writer.calls.statements).toBeLessThan(SHARDS);
    for (const bytes of writer.calls.batchBytes) expect(bytes).toBeLessThanOrEqual(40_000);

    const readerStore = storeOn(reader.client);
    expect(await readerStore.readOthers(i2, keys, opts)).toEqual(counts.map((c) => c.count));
    // Both windows start in one minute: one partition, one statement.
    expect(reader.calls.statements).toBe(1);
    // Its own rows count for nothing: the reader asked as i1 sees none of i1's counts.
    expect(await readerStore.readOthers(i1, keys, opts)).toEqual(keys.map(() => 0));
  });

  it('rewrites only the rows whose counts changed', async () => {
    const writer = counting(client());
    const store = storeOn(writer.client);
    const instance = uniqueId('i');
    const keys: FastCountKey[] = Array.from({ length: 200 }, (_, d) => ({ partition: { caller: `dev-${d}`, api: 'packets-rewrite' }, windowMs: 1_000, windowStart: START }));
    await store.publish(instance, keys.map((key) => ({ ...key, count: 1 })), opts);
    writer.calls.statements = 0;
    // Same counts again (a limiter re-listing after a failed sync whose writes had landed): nothing to write.
    await store.publish(instance, keys.map((key) => ({ ...key, count: 1 })), opts);
    expect(writer.calls.statements).toBe(0);
    // Two windows of one shard change: one row is rewritten, and the others of that shard keep their counts.
    const shard = fastCountShard(keys[0]!.partition, SHARDS);
    const sameShard = keys.filter((k) => fastCountShard(k.partition, SHARDS) === shard);
    await store.publish(instance, sameShard.slice(0, 2).map((key) => ({ ...key, count: 9 })), opts);
    expect(writer.calls.statements).toBe(1);
    expect(await storeOn(second()).readOthers(uniqueId('i'), sameShard, opts)).toEqual(sameShard.map((_, i) => (i < 2 ? 9 : 1)));
  });

  it('writes again, at the next publish, the rows whose write failed, even if it lists none of their windows', async () => {
    const writer = counting(client());
    const store = storeOn(writer.client);
    const instance = uniqueId('i');
    const keys: FastCountKey[] = Array.from({ length: 100 }, (_, d) => ({ partition: { caller: `dev-${d}`, api: 'packets-retry' }, windowMs: 1_000, windowStart: START }));
    writer.calls.failNext = 1;
    await expect(store.publish(instance, keys.map((key) => ({ ...key, count: 4 })), opts)).rejects.toThrow(/injected/);
    // An ended window is never listed again by the limiter: the store owes its row on its own.
    writer.calls.statements = 0;
    await store.publish(instance, [], opts);
    expect(writer.calls.statements).toBe(1);
    expect(await storeOn(second()).readOthers(uniqueId('i'), keys, opts)).toEqual(keys.map(() => 4));
  });

  it('reads windows that start in different minutes with one SELECT per minute', async () => {
    const reader = counting(second());
    const partition = { caller: uniqueId('dev'), api: 'packets-minutes' };
    // A per-hour window started 59 minutes before the per-second and per-minute ones: its own partition.
    const keys: FastCountKey[] = [
      { partition, windowMs: 1_000, windowStart: START + 1_000 },
      { partition, windowMs: 3_600_000, windowStart: START - 59 * 60_000 },
      { partition, windowMs: 60_000, windowStart: START },
    ];
    await storeOn(client()).publish(uniqueId('i'), keys.map((key, i) => ({ ...key, count: 10 + i })), opts);
    expect(await storeOn(reader.client).readOthers(uniqueId('i'), keys, opts)).toEqual([10, 11, 12]);
    expect(reader.calls.statements).toBe(2);
  });

  it('sums the rows of instances that split their counts into other numbers of shards', async () => {
    // A reader sums every row of the window, whatever its shard: a rolling change of the shard count loses nothing.
    const keys: FastCountKey[] = Array.from({ length: 50 }, (_, d) => ({ partition: { caller: `dev-${d}`, api: 'packets-mixed-shards' }, windowMs: 60_000, windowStart: START }));
    const [one, seven, reader] = [uniqueId('i'), uniqueId('i'), uniqueId('i')];
    await new CassandraFastCountStore(client(), testDomainOptions(), { shards: 1 }).publish(one, keys.map((key) => ({ ...key, count: 2 })), opts);
    await new CassandraFastCountStore(client(), testDomainOptions(), { shards: 7 }).publish(seven, keys.map((key, i) => ({ ...key, count: i })), opts);
    expect(await storeOn(second()).readOthers(reader, keys, opts)).toEqual(keys.map((_, i) => 2 + i));
  });

  it("never parses the reader's own row; fails on another's it cannot read", async () => {
    // A window of its own: an unreadable row fails every read of its window, so no other test may read it.
    const key: FastCountKey = { partition: { caller: uniqueId('dev'), api: 'packets-unreadable' }, windowMs: 1_000, windowStart: START + 7_000 };
    const [mine, other] = [uniqueId('i'), uniqueId('i')];
    await storeOn(client()).publish(other, [{ ...key, count: 6 }], opts);
    // A row this release cannot read (a later release's format, say), under the reader's own id.
    await client().execute(
      `INSERT INTO ${TEST_KEYSPACE}.fast_window_rows (minute, window_ms, window_start, shard, instance, counts) VALUES (?, ?, ?, ?, ?, ?) USING TTL 120`,
      [fastCountMinute(key.windowStart), key.windowMs, key.windowStart, fastCountShard(key.partition, SHARDS), mine, '{"v":2}'],
      { prepare: true },
    );
    expect(await storeOn(second()).readOthers(mine, [key], opts)).toEqual([6]);
    await expect(storeOn(second()).readOthers(uniqueId('i'), [key], opts)).rejects.toThrow(/not \[\[api, caller, count/);
  });
});
