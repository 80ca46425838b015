import { describe, expect, it } from 'vitest';
import { StateCache } from '../../../src/engine/limiters/state-cache.js';

const T0 = 1_800_000_000_000;
const p = (caller: string) => ({ caller, api: 'r' });

describe('StateCache', () => {
  it('starts a compare-and-set from its own write until the row could have expired', () => {
    const cache = new StateCache();
    cache.wrote(p('a'), 3, 's', T0, 10);
    expect(cache.forWrite(p('a'), T0 + 9_999)).toMatchObject({ version: 3, text: 's' });
    expect(cache.forWrite(p('a'), T0 + 10_000)).toBeUndefined();
    expect(cache.get(p('a'), T0 + 10_000)).toBeUndefined();
  });

  it('never starts a compare-and-set from a read (the row may be a TTL older), unless the partition was new', () => {
    const cache = new StateCache();
    cache.read(p('a'), 3, 's', T0, 10);
    cache.read(p('b'), 0, undefined, T0, 10);
    expect(cache.forWrite(p('a'), T0)).toBeUndefined();
    expect(cache.get(p('a'), T0)).toMatchObject({ version: 3, text: 's', seenMs: T0 });
    expect(cache.forWrite(p('b'), T0)).toMatchObject({ version: 0, text: undefined });
  });

  it('keeps version and write trust across a local change', () => {
    const cache = new StateCache();
    cache.wrote(p('a'), 3, 's', T0, 10);
    cache.changedLocally(p('a'), 'local', T0 + 1_000, 10);
    expect(cache.forWrite(p('a'), T0 + 5_000)).toMatchObject({ version: 3, text: 'local', seenMs: T0 + 1_000 });
    expect(cache.forWrite(p('a'), T0 + 10_000)).toBeUndefined();
    expect(cache.get(p('a'), T0 + 10_000)).toMatchObject({ text: 'local' });
    cache.changedLocally(p('new'), 'n', T0, 10);
    expect(cache.forWrite(p('new'), T0)).toMatchObject({ version: 0, text: 'n' });
  });

  it('drops the least recently used entry beyond its bound', () => {
    const cache = new StateCache(2);
    cache.wrote(p('a'), 1, 'a', T0, 10);
    cache.wrote(p('b'), 1, 'b', T0, 10);
    cache.get(p('a'), T0);
    cache.wrote(p('c'), 1, 'c', T0, 10);
    expect(cache.size).toBe(2);
    expect(cache.get(p('b'), T0)).toBeUndefined();
    expect(cache.get(p('a'), T0)).toBeDefined();
    cache.forget(p('a'));
    expect(cache.size).toBe(1);
  });
});
