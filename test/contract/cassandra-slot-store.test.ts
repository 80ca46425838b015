import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CassandraSlotStore } from '../../src/store/cassandra/cassandra-slot-store.js';
import { testDomainOptions, uniqueId, useTestClient } from '../support/cassandra.js';
import { slotStoreContract } from './slot-store.contract.js';

const client = useTestClient();

// Slots expire by Cassandra's TTL and by expires_at against real time: the expiry case waits.
slotStoreContract('CassandraSlotStore', () => ({
  store: new CassandraSlotStore(client(), testDomainOptions()),
  now: () => Date.now(),
  elapse: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}));

describe('CassandraSlotStore across instances', () => {
  // A second connection: a second instance of the service.
  const second = useTestClient();

  it('admits exactly max of 20 acquires made at once from two clients', async () => {
    const stores = [new CassandraSlotStore(client(), testDomainOptions()), new CassandraSlotStore(second(), testDomainOptions())];
    const p = { caller: `c-${randomUUID()}`, api: uniqueId('concurrent') };
    const opts = { timeoutMs: 10_000 };
    const results = await Promise.all(
      stores.flatMap((store) => Array.from({ length: 10 }, () => store.acquire(p, `lease-${randomUUID()}`, 3, 3_600_000, Date.now(), opts))),
    );
    expect(results.filter((r) => r.acquired)).toHaveLength(3);
    expect(await stores[1]!.held(p, Date.now(), opts)).toBe(3);
  });
});
