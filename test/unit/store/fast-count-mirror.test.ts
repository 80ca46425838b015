import { describe, expect, it } from 'vitest';
import type { FastCount } from '../../../src/engine/fast-count-store.js';
import { FastCountMirror } from '../../../src/store/cassandra/fast-count-mirror.js';
import { decodeShardCounts, fastCountShard } from '../../../src/store/cassandra/fast-count-shard.js';

const SHARDS = 4;
const SECOND_MS = 1_000;
const count = (caller: string, n: number, windowStart = 0, windowMs = SECOND_MS): FastCount => ({ partition: { api: 'r', caller }, windowMs, windowStart, count: n });
/** Callers in shard 0 and in shard 1 of SHARDS (found, not assumed: the hash decides). */
const inShard = (shard: number, n: number) => {
  const found: string[] = [];
  for (let i = 0; found.length < n; i++) if (fastCountShard({ api: 'r', caller: `c${i}` }, SHARDS) === shard) found.push(`c${i}`);
  return found;
};
const [a1, a2, a3] = inShard(0, 3) as [string, string, string];
const [b1] = inShard(1, 1) as [string];
const landAll = (writes: ReturnType<FastCountMirror['merge']>) => writes.forEach((w) => w.landed());

describe('FastCountMirror', () => {
  it('writes a changed row whole, and nothing for counts it already holds', () => {
    const mirror = new FastCountMirror(SHARDS);
    const first = mirror.merge('i-1', [count(a1, 1), count(a2, 2), count(b1, 5)]);
    expect(first.map((w) => w.key)).toEqual([
      { windowMs: SECOND_MS, windowStart: 0, shard: 0 },
      { windowMs: SECOND_MS, windowStart: 0, shard: 1 },
    ]);
    landAll(first);
    expect(mirror.merge('i-1', [count(a1, 1), count(b1, 5)])).toEqual([]);
    // a3 is new and a2 goes down: shard 0 is rewritten with a1 as it was.
    const second = mirror.merge('i-1', [count(a3, 7), count(a2, 1)]);
    expect(second.map((w) => [w.key.shard, decodeShardCounts(w.counts)])).toEqual([
      [0, [['r', a1, 1], ['r', a2, 1], ['r', a3, 7]]],
    ]);
  });

  it('leaves a count of 0 out of its row, and writes an emptied row as []', () => {
    const mirror = new FastCountMirror(SHARDS);
    landAll(mirror.merge('i-1', [count(b1, 3)]));
    expect(mirror.merge('i-1', [count(b1, 0)]).map((w) => w.counts)).toEqual(['[]']);
    // Nothing held and nothing to hold: no write.
    expect(mirror.merge('i-2', [count(b1, 0)])).toEqual([]);
  });

  it('answers a row again until a write of its newest content lands, whatever the next merge lists', () => {
    const mirror = new FastCountMirror(SHARDS);
    const [older] = mirror.merge('i-1', [count(a1, 1)]);
    const [newer] = mirror.merge('i-1', [count(a1, 2)]);
    // The older write lands after the newer one failed: the row is still owed.
    older!.landed();
    const retry = mirror.merge('i-1', []);
    expect(retry.map((w) => w.counts)).toEqual([newer!.counts]);
    retry[0]!.landed();
    expect(mirror.merge('i-1', [])).toEqual([]);
  });

  it('keeps instances apart: each has its own rows', () => {
    const mirror = new FastCountMirror(SHARDS);
    landAll(mirror.merge('i-1', [count(a1, 1)]));
    const writes = mirror.merge('i-2', [count(a2, 4)]);
    expect(writes.map((w) => decodeShardCounts(w.counts))).toEqual([[['r', a2, 4]]]);
  });

  it('keeps per length the newest window and the one before it, and still writes an older one listed', () => {
    const mirror = new FastCountMirror(SHARDS);
    const minute = (caller: string, n: number) => count(caller, n, 0, 60_000);
    landAll(mirror.merge('i-1', [count(a1, 1, 0), count(b1, 1, 0), minute(a1, 1)]));
    landAll(mirror.merge('i-1', [count(a1, 2, 1_000)]));
    expect(mirror.rowCount).toBe(4);
    // Window 2000 makes 0 older than the previous window: its two rows go, the minute's stays.
    landAll(mirror.merge('i-1', [count(a1, 3, 2_000)]));
    expect(mirror.rowCount).toBe(3);
    // A stall: window 0 listed late is written (with what is listed), then forgotten.
    expect(mirror.merge('i-1', [count(a2, 5, 0)]).map((w) => decodeShardCounts(w.counts))).toEqual([[['r', a2, 5]]]);
    expect(mirror.merge('i-1', []).length).toBe(0);
    expect(mirror.rowCount).toBe(3);
  });
});
