import { describe, expect, it } from 'vitest';
import { LruMap } from '../../../src/engine/lru-map.js';

const keysOf = (map: LruMap<number>, ids: readonly string[]) => ids.filter((id) => map.get(id) !== undefined);

describe('LruMap', () => {
  it('keeps at most maxEntries, the least recently set first out', () => {
    const map = new LruMap<number>(3);
    for (const [i, id] of ['a', 'b', 'c', 'd'].entries()) map.set(id, i);
    expect(map.size).toBe(3);
    expect(keysOf(map, ['a', 'b', 'c', 'd'])).toEqual(['b', 'c', 'd']);
  });

  it('renews an entry used while in the older half, and leaves one in the younger half where it is', () => {
    const map = new LruMap<number>(4);
    for (const [i, id] of ['a', 'b', 'c', 'd'].entries()) map.set(id, i);
    // "a" was set 4 puts ago (older half): used, it moves to the young end; "d" was set last: it stays.
    expect(map.get('a')).toBe(0);
    expect(map.get('d')).toBe(3);
    map.set('e', 4);
    map.set('f', 5);
    expect(map.size).toBe(4);
    expect(['a', 'b', 'c', 'd', 'e', 'f'].filter((id) => map.delete(id))).toEqual(['a', 'd', 'e', 'f']);
  });

  it('evicts the oldest live entry when entries were deleted or renewed since the last eviction', () => {
    const map = new LruMap<number>(3);
    for (const [i, id] of ['a', 'b', 'c'].entries()) map.set(id, i);
    map.set('d', 3); // evicts a
    map.delete('c');
    map.set('b', 11); // renewed: now the youngest
    map.set('e', 4); // room left by c
    map.set('f', 5); // evicts d, the oldest live one
    expect(['a', 'b', 'c', 'd', 'e', 'f'].filter((id) => map.get(id) !== undefined)).toEqual(['b', 'e', 'f']);
    expect(map.get('b')).toBe(11);
  });

  it('remembers nothing with no room', () => {
    const map = new LruMap<number>(0);
    map.set('a', 1);
    expect([map.size, map.get('a')]).toEqual([0, undefined]);
  });

  it('stays correct through many evictions with a live iterator (every id kept is among the last set)', () => {
    const map = new LruMap<number>(100);
    for (let i = 0; i < 10_000; i++) {
      map.set(`k${i}`, i);
      if (i % 7 === 0) map.delete(`k${i - 3}`);
    }
    expect(map.size).toBe(100);
    for (let i = 0; i < 10_000 - 120; i++) expect(map.get(`k${i}`)).toBeUndefined();
  });
});
