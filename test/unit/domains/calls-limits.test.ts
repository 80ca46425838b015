/**
 * What the limiters decided, as the calls domain records it: a carrier rule's carrier, and a
 * refusal with an announcement that creates the call limit_exceeded instead of a 429.
 */
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../../src/clock.js';
import type { CallbackRequest } from '../../../src/domains/calls/callback-dispatcher.js';
import type { CallbackEvent, CallLimits } from '../../../src/domains/calls/call.js';
import { createCallServices } from '../../../src/domains/calls/call-services.js';
import { createCalls, type NewCall } from '../../../src/domains/calls/calls.js';
import { createPageTokens } from '../../../src/domains/shared/page-token.js';
import { newSid } from '../../../src/domains/shared/sids.js';
import { MemoryCallRepository } from '../../../src/store/memory/memory-call-repository.js';
import { MemoryCallServiceRepository } from '../../../src/store/memory/memory-call-service-repository.js';
import { MemoryCdrRepository } from '../../../src/store/memory/memory-cdr-repository.js';

const T0 = Date.UTC(2027, 0, 10, 12, 0, 0);
const ACCOUNT = newSid('AC', T0);
const REFUSED: CallLimits = { exceeded: { rule: 'calls-at-once-per-account', announceUrl: 'https://example.com/all-lines-busy.mp3' } };
const DRAFT: NewCall = { from: '+14155550199', to: '+14155550100', statusCallback: null };
const withCallback = (events: readonly CallbackEvent[]): NewCall => ({
  ...DRAFT,
  statusCallback: { url: 'https://example.com/status', events, method: 'POST' },
});

function setup() {
  const clock = createManualClock(T0);
  const repository = new MemoryCallRepository();
  const cdrs = new MemoryCdrRepository();
  const fired: CallbackRequest[] = [];
  const released: string[] = [];
  let transitions = 0;
  const transition = repository.transition.bind(repository);
  repository.transition = async (current, next) => {
    transitions++;
    return transition(current, next);
  };
  const calls = createCalls({
    repository,
    cdrs,
    clock,
    settings: { callPricePerMinute: '0.03000', callPriceUnit: 'USD', defaultPhoneRegion: 'US' },
    // Drafts are given ready-made (prepare is not under test here), so the policy is never asked.
    urlPolicy: { check: async () => ({ ok: false, reason: 'is not checked in this test' }) },
    callbacks: { dispatch: (request) => void fired.push(request) },
    slots: { release: async (leaseId) => void released.push(leaseId) },
  });
  const services = createCallServices({ repository: new MemoryCallServiceRepository(), calls: repository, clock, pageTokens: createPageTokens('x'.repeat(32)) });
  return { clock, repository, cdrs, fired, released, calls, services, transitions: () => transitions };
}

describe('Calls.create with limits', () => {
  it('records the carrier a carrier rule chose; without one, carrier is null', async () => {
    const { calls, repository } = setup();
    const carried = await calls.create(ACCOUNT, DRAFT, undefined, { carrier: 'carrier-b' });
    expect(carried).toMatchObject({ status: 'initiated', carrier: 'carrier-b', announce_url: null, limit_exceeded_rule: null });
    expect((await repository.get(ACCOUNT, carried.sid))?.carrier).toBe('carrier-b');
    expect(await calls.create(ACCOUNT, DRAFT)).toMatchObject({ carrier: null, announce_url: null, limit_exceeded_rule: null });
  });

  it('creates a refused call limit_exceeded with its announcement and rule: ended at once, never connected, no price', async () => {
    const { calls, cdrs } = setup();
    const sid = newSid('CA', T0);
    const call = await calls.create(ACCOUNT, DRAFT, sid, REFUSED);
    expect(call).toMatchObject({
      sid,
      status: 'limit_exceeded',
      announce_url: 'https://example.com/all-lines-busy.mp3',
      limit_exceeded_rule: 'calls-at-once-per-account',
      carrier: null,
      end_time: call.start_time,
      duration: '0',
      price: null,
    });
    expect(await cdrs.get(ACCOUNT, sid)).toBeUndefined();
  });

  it('records no carrier on a refused call, even when one was chosen before another rule refused it', async () => {
    const { calls } = setup();
    expect((await calls.create(ACCOUNT, DRAFT, undefined, { carrier: 'carrier-a', ...REFUSED })).carrier).toBeNull();
  });
});

describe('a limit_exceeded call', () => {
  it.each([['ringing'], ['in-progress']] as const)('cannot become %s: 409 STATE_CONFLICT from the check and the update, nothing written', async (status) => {
    const { calls, repository, transitions } = setup();
    const call = await calls.create(ACCOUNT, DRAFT, undefined, REFUSED);
    await expect(calls.checkUpdate(ACCOUNT, call.sid, status)).rejects.toMatchObject({ code: 'STATE_CONFLICT' });
    await expect(calls.update(ACCOUNT, call.sid, status)).rejects.toMatchObject({ code: 'STATE_CONFLICT', message: expect.stringContaining('calls-at-once-per-account') });
    expect(transitions()).toBe(0);
    expect((await repository.get(ACCOUNT, call.sid))?.status).toBe('limit_exceeded');
  });

  it('answers an end as it is, every time: no move, no CDR, no slot release (the throttle gave its slots back)', async () => {
    const { calls, clock, cdrs, released, transitions } = setup();
    const call = await calls.create(ACCOUNT, DRAFT, undefined, REFUSED);
    clock.advance(30_000);
    for (const status of ['end', 'completed', 'canceled', 'end'] as const) {
      await expect(calls.checkUpdate(ACCOUNT, call.sid, status)).resolves.toBeUndefined();
      expect(await calls.update(ACCOUNT, call.sid, status)).toEqual(call);
    }
    expect(transitions()).toBe(0);
    expect(await cdrs.get(ACCOUNT, call.sid)).toBeUndefined();
    expect(released).toEqual([]);
  });

  it('cannot start a recording: 409 CALL_ENDED', async () => {
    const { calls, services } = setup();
    const call = await calls.create(ACCOUNT, DRAFT, undefined, REFUSED);
    await expect(services.start('recording', ACCOUNT, call.sid)).rejects.toMatchObject({ code: 'CALL_ENDED' });
  });

  it('fires one status callback, under the completed event, with CallStatus limit_exceeded and duration 0', async () => {
    const { calls, fired } = setup();
    const call = await calls.create(ACCOUNT, withCallback(['initiated', 'completed']), undefined, REFUSED);
    expect(fired).toEqual([
      {
        url: 'https://example.com/status',
        method: 'POST',
        params: { CallSid: call.sid, AccountSid: ACCOUNT, From: DRAFT.from, To: DRAFT.to, CallStatus: 'limit_exceeded', Direction: 'outbound-api', Timestamp: call.date_created, SequenceNumber: '0', CallDuration: '0' },
      },
    ]);
    // Ending it is no event: it ended when created.
    await calls.update(ACCOUNT, call.sid, 'end');
    expect(fired).toHaveLength(1);
  });

  it('fires nothing when the caller asked only for events a refused call never reaches', async () => {
    const { calls, fired } = setup();
    await calls.create(ACCOUNT, withCallback(['initiated', 'ringing', 'answered']), undefined, REFUSED);
    expect(fired).toEqual([]);
  });
});
