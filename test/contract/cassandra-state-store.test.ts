import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CassandraStateStore } from '../../src/store/cassandra/cassandra-state-store.js';
import { testDomainOptions, uniqueId, useTestClient } from '../support/cassandra.js';
import { stateStoreContract } from './state-store.contract.js';

const client = useTestClient();

// Rows expire by Cassandra's TTL against real time: the expiry case waits.
stateStoreContract('CassandraStateStore', () => ({
  store: new CassandraStateStore(client(), testDomainOptions()),
  elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}));

describe('CassandraStateStore across instances', () => {
  // A second connection: a second instance of the service.
  const second = useTestClient();

  it('lands exactly one of 20 writes at the same version made at once from two clients', async () => {
    const stores = [new CassandraStateStore(client(), testDomainOptions()), new CassandraStateStore(second(), testDomainOptions())];
    const p = { caller: `c-${randomUUID()}`, api: uniqueId('bucket') };
    const opts = { timeoutMs: 10_000 };
    expect(await stores[0]!.write(p, 0, 'start', 3_600, opts)).toBe(true);
    const results = await Promise.all(stores.flatMap((store, s) => Array.from({ length: 10 }, (_, i) => store.write(p, 1, `s${s}-w${i}`, 3_600, opts))));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    const state = `s${Math.floor(winner / 10)}-w${winner % 10}`;
    expect(await stores[1]!.read(p, opts)).toEqual({ version: 2, state });
    expect(await stores[0]!.read(p, opts)).toEqual({ version: 2, state });
  });
});
