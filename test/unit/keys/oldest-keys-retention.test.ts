/**
 * A live Map iterator pins the tables the Map has outgrown or compacted since it last moved, with
 * the values they held (keys/bounded-memo.ts OldestKeys). A value that BoundedMemo or LruMap no
 * longer holds must be collectable even when nothing was evicted for a long time: checked with a
 * WeakRef and a forced collection, not with heap sizes.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { BoundedMemo } from '../../../src/keys/bounded-memo.js';
import { LruMap } from '../../../src/engine/lru-map.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const SIZE = 1_000;

/**
 * Fills the map to its bound and one more (an eviction: its iterator is live), sets `first`,
 * renews every entry many times (no new key, so no eviction moves the iterator), replaces
 * `first`, and renews again.
 */
function churn(set: (key: string, value: object) => void, renew: (key: string) => void): WeakRef<object> {
  for (let i = 0; i <= SIZE; i++) set(`k${i}`, { i });
  const first = { payload: 'x'.repeat(1_000) };
  set('k1000', first);
  const renewAll = () => {
    for (let round = 0; round < 50; round++) for (let i = 1; i <= SIZE; i++) renew(`k${i}`);
  };
  renewAll();
  set('k1000', { payload: 'replaced' });
  renewAll();
  return new WeakRef(first);
}

describe('no retention through the eviction iterator', () => {
  it('BoundedMemo: a replaced value is collectable after many renewals without an eviction', async () => {
    const memo = new BoundedMemo<string, object>(SIZE);
    const ref = churn(
      (k, v) => memo.set(k, v),
      (k) => {
        const v = memo.get(k)!;
        memo.delete(k);
        memo.set(k, v);
      },
    );
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(ref.deref()).toBeUndefined();
    expect(memo.size).toBe(SIZE);
  });

  it('LruMap: a replaced value is collectable after many renewals without an eviction', async () => {
    const map = new LruMap<object>(SIZE);
    const ref = churn(
      (k, v) => map.set(k, v),
      (k) => map.set(k, map.get(k)!),
    );
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    expect(ref.deref()).toBeUndefined();
    expect(map.size).toBe(SIZE);
  });
});
