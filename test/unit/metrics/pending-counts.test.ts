import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { PendingCounts } from '../../../src/metrics/pending-counts.js';
import { parseExposition, seriesOf } from '../../support/prometheus-text.js';

function setup() {
  const registry = new Registry();
  const pending = new PendingCounts(['rule', 'status'] as const);
  new Counter({
    name: 'test_total',
    help: 'test',
    labelNames: ['rule', 'status'],
    registers: [registry],
    collect() {
      pending.flushInto(this);
    },
  });
  const read = async () => seriesOf(parseExposition(await registry.metrics()), 'test_total').map((s) => [s.labels, s.value]);
  return { pending, read };
}

describe('PendingCounts', () => {
  it('hands its counts to the counter when it is read, series in the order first counted, numbers as text', async () => {
    const { pending, read } = setup();
    pending.count('b', 429);
    pending.count('a', 201);
    pending.count('b', 429);
    pending.count('b', 201);
    expect(await read()).toEqual([
      [{ rule: 'b', status: '429' }, 2],
      [{ rule: 'a', status: '201' }, 1],
      [{ rule: 'b', status: '201' }, 1],
    ]);
  });

  it('adds only what was counted since the last read', async () => {
    const { pending, read } = setup();
    pending.count('a', 201);
    expect(await read()).toEqual([[{ rule: 'a', status: '201' }, 1]]);
    expect(await read()).toEqual([[{ rule: 'a', status: '201' }, 1]]);
    pending.count('a', 201);
    pending.count('c', 500);
    expect(await read()).toEqual([
      [{ rule: 'a', status: '201' }, 2],
      [{ rule: 'c', status: '500' }, 1],
    ]);
  });

  it('keeps label values apart that would join into one string', async () => {
    const { pending, read } = setup();
    pending.count('a,b', 'c');
    pending.count('a', 'b,c');
    expect(await read()).toEqual([
      [{ rule: 'a,b', status: 'c' }, 1],
      [{ rule: 'a', status: 'b,c' }, 1],
    ]);
  });
});
