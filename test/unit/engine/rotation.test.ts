import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../../src/clock.js';
import { planRequest } from '../../../src/engine/plan-request.js';
import { createThrottle } from '../../../src/engine/throttle.js';
import { createKeyHasher } from '../../../src/keys/key-hasher.js';
import type { RequestView } from '../../../src/keys/request-view.js';
import { MemoryCallLog } from '../../../src/store/memory/memory-call-log.js';
import { testRule } from '../../support/rules.js';

const OLD = 'o'.repeat(32);
const NEW = 'n'.repeat(32);
const rule = testRule('signup-per-phone', [[3, '1h']]);
const request: RequestView = { method: 'POST', params: {}, query: {}, headers: {}, body: { phone: '(415) 555-1212' }, ip: '127.0.0.1' };

describe('planRequest with a key hasher', () => {
  it('keys partitions by the HMAC of the normalised key, never the key', () => {
    const plan = planRequest([rule], request, { defaultPhoneRegion: 'US', hasher: createKeyHasher(NEW) });
    expect(plan).toEqual({ kind: 'targets', targets: [{ rule, partition: { caller: createKeyHasher(NEW).hash('+14155551212'), api: rule.id } }], shadow: [], marked: [], allowed: [] });
  });

  it('adds the previous-secret partition while rotating', () => {
    const plan = planRequest([rule], request, { defaultPhoneRegion: 'US', hasher: createKeyHasher(NEW, OLD) });
    if (plan.kind !== 'targets') throw new Error('expected targets');
    expect(plan.targets[0]!.previous).toEqual({ caller: createKeyHasher(OLD).hash('+14155551212'), api: rule.id });
  });
});

describe('a key secret rotation', () => {
  it('keeps counting calls made under the previous secret, and writes only under the new one', async () => {
    const clock = createManualClock(1_800_000_000_000);
    const log = new MemoryCallLog(clock);
    const decide = (hasher: ReturnType<typeof createKeyHasher>) => {
      const throttle = createThrottle({ store: log, local: new MemoryCallLog(clock), clock, deadlineMs: 100 });
      const plan = planRequest([rule], request, { defaultPhoneRegion: 'US', hasher });
      if (plan.kind !== 'targets') throw new Error('expected targets');
      return throttle.check(plan.targets);
    };
    expect((await decide(createKeyHasher(OLD))).admitted).toBe(true);
    expect((await decide(createKeyHasher(OLD))).admitted).toBe(true);
    // Rotate: two calls already made under OLD leave one under a limit of 3.
    expect((await decide(createKeyHasher(NEW, OLD))).admitted).toBe(true);
    expect((await decide(createKeyHasher(NEW, OLD))).admitted).toBe(false);
    const oldPartition = { caller: createKeyHasher(OLD).hash('+14155551212'), api: rule.id };
    expect((await log.read(oldPartition, 0, 10)).callsMs).toHaveLength(2);
  });
});
