/**
 * The chain's two synchronous answers (engine/limiter-chain.ts): refusedAtOnce() is the refusal
 * take() would give first (its first limiter's memory, and only that), and takeNow() is take()
 * itself when one in-memory limiter decides every target.
 */
import { describe, expect, it } from 'vitest';
import { createLimiterChain } from '../../../src/engine/limiter-chain.js';
import type { Target } from '../../../src/engine/admit.js';
import type { LimitDecision, Limiter, LimiterOutcome, LimiterRequest } from '../../../src/engine/limiter.js';
import type { Rule } from '../../../src/rules/rule.js';

const rule = (id: string, kind: string) => ({ id, kind }) as unknown as Rule;
const target = (r: Rule): Target => ({ rule: r, partition: { api: r.id, caller: 'c' } });
const decision = (t: Target, allowed: boolean) => ({ rule: t.rule, caller: t.partition.caller, allowed }) as unknown as LimitDecision;

/** A limiter that admits until `refuse` is set; `inMemory` gives it takeNow (as the fast limiter has). */
function fake(kind: string, inMemory: boolean) {
  const state = { refuse: false, taken: 0, given: 0, known: false };
  const decide = ({ targets }: LimiterRequest): LimiterOutcome => {
    if (state.refuse) return { admitted: false, decisions: targets.map((t) => decision(t, false)), via: 'cache' };
    state.taken++;
    return { admitted: true, decisions: targets.map((t) => decision(t, true)), via: 'fast', undo: async () => void state.given++ };
  };
  const limiter: Limiter = {
    kind: kind as Limiter['kind'],
    take: async (request) => decide(request),
    blocked: (targets) => (state.known ? { admitted: false, decisions: targets.map((t) => decision(t, false)), via: 'cache' } : undefined),
    ...(inMemory ? { takeNow: decide } : {}),
  };
  return { limiter, state };
}

function chainOf() {
  const slots = fake('concurrent', false);
  const fast = fake('window', true);
  const chain = createLimiterChain([
    { limiter: slots.limiter, decides: (r) => r.kind === 'concurrent' },
    { limiter: fast.limiter, decides: (r) => r.kind === 'window' },
  ]);
  return { chain, slots, fast };
}

const FAST = target(rule('fast', 'window'));
const SLOT = target(rule('slot', 'concurrent'));

describe('LimiterChain.takeNow', () => {
  it('is take() itself when one in-memory limiter decides every target, its undo given back once', async () => {
    const { chain, fast } = chainOf();
    const now = chain.takeNow([FAST], 0, 'lease');
    const later = await chain.take([FAST], 0, 'lease');
    expect(now).toMatchObject({ admitted: true, via: 'fast', holds: false, unavailable: false, decisions: later.decisions });
    await now!.undo();
    await now!.undo();
    expect([fast.state.taken, fast.state.given]).toEqual([2, 1]);
    fast.state.refuse = true;
    expect(chain.takeNow([FAST], 0, 'lease')).toMatchObject({ admitted: false, via: 'cache', decisions: [{ allowed: false }] });
  });

  it('leaves to take() a target of a limiter that asks a store, alone or beside an in-memory one', () => {
    const { chain, fast, slots } = chainOf();
    expect(chain.takeNow([SLOT], 0, 'lease')).toBeUndefined();
    expect(chain.takeNow([SLOT, FAST], 0, 'lease')).toBeUndefined();
    expect([fast.state.taken, slots.state.taken]).toEqual([0, 0]);
  });
});

describe('LimiterChain.refusedAtOnce', () => {
  it("answers only the first limiter's memory: a later limiter's refusal comes after the first one has taken", () => {
    const { chain, fast, slots } = chainOf();
    fast.state.known = true;
    expect(chain.blocked([SLOT, FAST], 0)).toMatchObject({ admitted: false });
    expect(chain.refusedAtOnce([SLOT, FAST], 0)).toBeUndefined();
    slots.state.known = true;
    expect(chain.refusedAtOnce([SLOT, FAST], 0)).toMatchObject({ admitted: false, decisions: [{ rule: { id: 'slot' }, allowed: false }] });
    expect(chain.refusedAtOnce([FAST], 0)).toMatchObject({ admitted: false, decisions: [{ rule: { id: 'fast' } }] });
  });
});
