import { randomUUID } from 'node:crypto';
import type cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { createStateLimiter } from '../../src/engine/limiters/state-limiter.js';
import { CassandraStateStore } from '../../src/store/cassandra/cassandra-state-store.js';
import { countingRule, countingSpec, countingTarget } from '../support/counting-spec.js';
import { testDomainOptions, uniqueId, useTestClient } from '../support/cassandra.js';

const client = useTestClient();

describe('createStateLimiter on Cassandra', () => {
  // A second connection: a second instance of the service.
  const second = useTestClient();

  it('admits exactly 5 of 30 takes made at once by two instances on one partition', async () => {
    const errors: unknown[] = [];
    // Generous: 15 decisions queue on each instance behind one another (KeyedLock), each a Paxos round.
    const make = (c: cassandra.Client) =>
      createStateLimiter({ spec: countingSpec(5), store: new CassandraStateStore(c, testDomainOptions()), deadlineMs: 30_000, onStoreError: (e) => errors.push(e) });
    const instances = [make(client()), make(second())];
    const target = countingTarget(countingRule(uniqueId('bucket'), 'deny'), `c-${randomUUID()}`);
    const outcomes = await Promise.all(Array.from({ length: 30 }, (_, i) => instances[i % 2]!.take({ targets: [target], nowMs: Date.now(), leaseId: `l${i}` })));
    expect(errors).toEqual([]);
    expect(outcomes.every((o) => o.via === 'store')).toBe(true);
    expect(outcomes.filter((o) => o.admitted)).toHaveLength(5);
    const stored = await new CassandraStateStore(client(), testDomainOptions()).read(target.partition, { timeoutMs: 10_000 });
    expect(JSON.parse(stored.state!)).toEqual({ used: 5 });
  });

  it('gives back the first partition when the second refuses, across two instances', async () => {
    const store = (c: cassandra.Client) => new CassandraStateStore(c, testDomainOptions());
    const spec = countingSpec((t) => (t.rule.id.startsWith('tight') ? 1 : 5));
    const [a, b] = [client(), second()].map((c) => createStateLimiter({ spec, store: store(c), deadlineMs: 30_000 }));
    const caller = `c-${randomUUID()}`;
    const wide = countingTarget(countingRule(uniqueId('wide')), caller);
    const tight = countingTarget(countingRule(uniqueId('tight')), caller);
    const outcomes = await Promise.all(Array.from({ length: 6 }, (_, i) => [a, b][i % 2]!.take({ targets: [wide, tight], nowMs: Date.now(), leaseId: `l${i}` })));
    expect(outcomes.filter((o) => o.admitted)).toHaveLength(1);
    const wideState = await store(client()).read(wide.partition, { timeoutMs: 10_000 });
    expect(JSON.parse(wideState.state!)).toEqual({ used: 1 });
  });
});
