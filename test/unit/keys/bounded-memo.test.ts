import { describe, expect, it } from 'vitest';
import { BoundedMemo } from '../../../src/keys/bounded-memo.js';

const keysOf = (memo: BoundedMemo<number, number>, upTo: number) => Array.from({ length: upTo }, (_, k) => k).filter((k) => memo.get(k) !== undefined);

describe('BoundedMemo', () => {
  it('keeps at most its bound, dropping the oldest key first', () => {
    const memo = new BoundedMemo<number, number>(3);
    for (let k = 0; k < 5; k++) memo.set(k, k * 10);
    expect(memo.size).toBe(3);
    expect(keysOf(memo, 5)).toEqual([2, 3, 4]);
    expect(memo.get(4)).toBe(40);
  });

  it('answers a key set again with its new value, without dropping another', () => {
    const memo = new BoundedMemo<number, number>(2);
    memo.set(1, 1);
    memo.set(2, 2);
    memo.set(1, 11);
    expect([memo.get(1), memo.get(2), memo.size]).toEqual([11, 2, 2]);
    memo.set(3, 3);
    expect(keysOf(memo, 4)).toEqual([2, 3]);
  });

  it('keeps dropping in insertion order over many rounds of keys', () => {
    const memo = new BoundedMemo<number, number>(100);
    for (let k = 0; k < 10_000; k++) {
      memo.set(k, k);
      expect(memo.size).toBe(Math.min(k + 1, 100));
    }
    expect(keysOf(memo, 10_000)).toEqual(Array.from({ length: 100 }, (_, i) => 9_900 + i));
  });

  it('remembers nothing with a bound of 0', () => {
    const memo = new BoundedMemo<string, string>(0);
    memo.set('a', 'b');
    expect([memo.get('a'), memo.size]).toEqual([undefined, 0]);
  });

  it('remember() computes once per remembered key, and again once the key has been dropped', () => {
    const memo = new BoundedMemo<string, number>(2);
    let calls = 0;
    const compute = (v: number) => () => (calls++, v);
    expect([memo.remember('a', compute(1)), memo.remember('a', compute(9)), calls]).toEqual([1, 1, 1]);
    memo.remember('b', compute(2));
    memo.remember('c', compute(3)); // drops 'a', the oldest
    expect([memo.remember('a', compute(4)), calls]).toEqual([4, 4]);
  });

  it('delete() forgets a key, and a key deleted then set again is the newest', () => {
    const memo = new BoundedMemo<string, number>(2);
    memo.set('a', 1);
    memo.set('b', 2);
    expect([memo.delete('a'), memo.delete('a'), memo.size]).toEqual([true, false, 1]);
    memo.set('a', 3); // now newer than b
    memo.set('c', 4); // drops b, the oldest
    expect([memo.get('a'), memo.get('b'), memo.get('c')]).toEqual([3, undefined, 4]);
  });
});
