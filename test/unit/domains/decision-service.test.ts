import { describe, expect, it } from 'vitest';
import type { PartitionKey, StoreCallOptions } from '../../../src/engine/call-log.js';
import { createLimiterChain } from '../../../src/engine/limiter-chain.js';
import { packetSpec } from '../../../src/engine/limiters/packet-spec.js';
import { createStateLimiter } from '../../../src/engine/limiters/state-limiter.js';
import { createRuleIndex } from '../../../src/engine/rule-index.js';
import type { StateStore } from '../../../src/engine/state-store.js';
import { createDecisionService, type EffectiveTier, type PacketLimitSource } from '../../../src/domains/decisions/create-decision-service.js';
import { createKeyHasher } from '../../../src/keys/key-hasher.js';
import { MemoryStateStore } from '../../../src/store/memory/memory-state-store.js';

/** The memory state store, counting the round trips a Cassandra store would make. */
class CountingStateStore implements StateStore {
  reads = 0;
  writes = 0;
  constructor(private readonly inner: StateStore) {}
  read(partition: PartitionKey, options: StoreCallOptions) {
    this.reads++;
    return this.inner.read(partition, options);
  }
  write(partition: PartitionKey, expectedVersion: number, state: string, ttlSeconds: number, options: StoreCallOptions) {
    this.writes++;
    return this.inner.write(partition, expectedVersion, state, ttlSeconds, options);
  }
}

function serviceWith(account: EffectiveTier) {
  let nowMs = Date.UTC(2026, 0, 1, 12, 0, 0);
  const clock = () => nowMs;
  const store = new CountingStateStore(new MemoryStateStore(clock));
  const counters = createStateLimiter({ spec: packetSpec, store, deadlineMs: 1_000 });
  const documents: PacketLimitSource = { effective: async () => ({ account }) };
  const emptyRules = createRuleIndex({ rules: [], sources: [], version: 'none', allow: { exact: new Set(), prefixes: [] }, deny: { exact: new Set(), prefixes: [] } });
  const hasher = createKeyHasher('a-test-secret-of-at-least-32-characters!');
  const service = createDecisionService({
    documents,
    packetLimiters: createLimiterChain([{ limiter: counters, decides: () => true }]),
    limiters: createLimiterChain([]),
    rules: () => emptyRules,
    planOptions: { defaultPhoneRegion: 'US', hasher },
    hasher,
    clock,
  });
  return { service, store, advance: (ms: number) => (nowMs += ms) };
}

describe('createDecisionService, exact packet counters', () => {
  it('answers a counter refused less than a second ago from what it knows: no store round trip, nothing counted', async () => {
    const { service, store, advance } = serviceWith({ limits: { per_minute: { invites: 1, total_packets: 1 } }, consistency: 'exact' });
    const check = { account: 'acc-1', kind: 'invite' as const };

    expect((await service.checkPacket(check)).allowed).toBe(true);
    const first = (await service.checkPacket(check));
    expect(first).toMatchObject({ allowed: false, rule: 'rate_limits:account:invites:per_minute', limit: 1, remaining: 0 });
    const afterStoreDenial = { reads: store.reads, writes: store.writes };

    const again = await service.checkPacket(check);
    expect(again).toEqual(first);
    expect({ reads: store.reads, writes: store.writes }).toEqual(afterStoreDenial);

    // A second later the instance no longer trusts what it saw: the store is asked again.
    advance(1_000);
    expect((await service.checkPacket(check)).allowed).toBe(false);
    expect(store.reads).toBeGreaterThan(afterStoreDenial.reads);
    expect(store.writes).toBe(afterStoreDenial.writes);
  });

  it('asks the store for a check it has no refusal for, and counts it', async () => {
    const { service, store } = serviceWith({ limits: { per_second: { invites: 10, total_packets: 10 } }, consistency: 'exact' });
    for (let i = 0; i < 3; i++) expect((await service.checkPacket({ account: 'acc-2', kind: 'invite' })).allowed).toBe(true);
    // One state for the account (invites and total_packets inside): one compare-and-set per check.
    expect(store.writes).toBe(3);
  });
});
