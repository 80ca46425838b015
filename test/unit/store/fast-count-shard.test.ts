import { describe, expect, it } from 'vitest';
import { checkShardCount, decodeShardCounts, encodeShardCounts, fastCountShard, fnv1a32, type ShardCountEntry } from '../../../src/store/cassandra/fast-count-shard.js';

describe('fastCountShard', () => {
  it('is 32-bit FNV-1a (the published test vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  // Instances of two releases must agree on every shard, or they stop seeing each other's counts.
  it('places a partition where every release places it', () => {
    expect(fnv1a32('r\u0000c')).toBe(0x3713bc04);
    expect(fastCountShard({ api: 'r', caller: 'c' }, 16)).toBe(0x3713bc04 % 16);
    expect(fastCountShard({ api: 'r', caller: 'c' }, 7)).toBe(0x3713bc04 % 7);
    expect(fastCountShard({ api: 'packets-per-device', caller: 'dev-0001' }, 16)).toBe(14);
    expect(fastCountShard({ api: 'signup-per-phone', caller: '+14155551212' }, 16)).toBe(1);
  });

  it('spreads similar callers evenly over the shards', () => {
    const perShard = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i++) perShard[fastCountShard({ api: 'packets', caller: `+1415555${String(i).padStart(5, '0')}` }, 16)]!++;
    for (const n of perShard) expect(Math.abs(n - 1_000)).toBeLessThan(150);
  });

  it('takes a positive whole number of shards only', () => {
    expect(checkShardCount(1)).toBe(1);
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => checkShardCount(bad)).toThrow(/positive integer/);
  });
});

describe('a row of counts', () => {
  it('writes each rule once, then its callers and counts, and reads back any text', () => {
    const entries: ShardCountEntry[] = [
      ['rule "a"', 'say \\ "hi" [1,2] ☎', 3],
      ['r', '', 1],
      ['rule "a"', 'c2', 12],
    ];
    const text = encodeShardCounts(entries);
    expect(text).toBe('[["rule \\"a\\"","say \\\\ \\"hi\\" [1,2] ☎",3,"c2",12],["r","",1]]');
    expect(decodeShardCounts(text)).toEqual([entries[0], entries[2], entries[1]]);
    expect(encodeShardCounts([])).toBe('[]');
    expect(decodeShardCounts('[]')).toEqual([]);
  });

  it('refuses a row it cannot read rather than reading it as 0', () => {
    for (const bad of ['{"a":1}', '[["r","c","3"]]', '[["r","c"]]', '[["r","c",1,"d"]]', '[["r",3,"c"]]', '[1]', '[[]]']) {
      expect(() => decodeShardCounts(bad), bad).toThrow(/not \[\[api, caller, count, \.\.\.\], \.\.\.\]/);
    }
    expect(() => decodeShardCounts('not json')).toThrow(SyntaxError);
  });
});
