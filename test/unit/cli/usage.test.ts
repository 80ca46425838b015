import { describe, expect, it } from 'vitest';
import { createKeyHasher } from '../../../src/keys/key-hasher.js';
import { CLI_KEY_SECRET, memoryService, runWith, signupRule } from './cli-support.js';

const hash = createKeyHasher(CLI_KEY_SECRET).hash;
const RULES = [signupRule('per-phone', [[5, '1h'], [30, '24h']]), { rules: [{ id: 'per-device', match: { path: '/v1/signup' }, key: ['header.x-account', { from: 'header.x-device', normalize: 'lowercase' }], limits: [{ count: 2, window: '1m' }] }] }];
const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Five calls of +1 415 555 1212 under per-phone, the newest 10 minutes ago. */
async function seeded() {
  const { service, clock } = memoryService(RULES);
  const calls = [50, 40, 30, 20, 10].map((m) => clock() - m * MINUTE);
  await service.stores.callLog.appendMany({ caller: hash('+14155551212'), api: 'per-phone' }, 0, calls, 86_460, { timeoutMs: 1_000 });
  return { service, clock, calls };
}

describe('tollgate usage show', () => {
  it('shows the calls of one caller under one rule, by its raw key in any spelling, and what its next request gets', async () => {
    const { service, calls } = await seeded();
    const run = await runWith(service, ['usage', 'show', 'per-phone', '(415) 555-1212']);
    expect(run.code).toBe(0);
    expect(run.out).toEqual([
      'rule per-phone, key "(415) 555-1212" -> "+14155551212"',
      `partition ${hash('+14155551212')} (current secret): version 1, 5 call(s) in the longest window`,
      ...[...calls].reverse().map((ms) => `  ${iso(ms)}`),
      'window 1h: 5 of 5 used (full, room again in 600 s)',
      'window 1d: 5 of 30 used (25 left)',
      'next request: denied, retry after 600 s',
    ]);
    expect(run.err).toEqual([expect.stringMatching(/^note: store is the embedded in-memory store/)]);
  });

  it('prints what GET /v1/admin/limits answers with --json', async () => {
    const { service } = await seeded();
    const run = await runWith(service, ['usage', 'show', '--json', 'per-phone', '+14155551212']);
    expect(JSON.parse(run.out.join('\n'))).toEqual(await service.composed.limits.inspect('per-phone', ['+14155551212']));
  });

  it('takes one argument per part of a compound key, normalised as the rule says', async () => {
    const { service } = memoryService(RULES);
    const run = await runWith(service, ['usage', 'show', 'per-device', 'AC1', 'Phone-7']);
    expect(run.out.slice(0, 2)).toEqual([
      'rule per-device, key "AC1" "Phone-7" -> "[\\"AC1\\",\\"phone-7\\"]"',
      `partition ${hash(JSON.stringify(['AC1', 'phone-7']))} (current secret): version 0, 0 call(s) in the longest window`,
    ]);
  });

  it.each([
    [['usage', 'show', 'no-such-rule', 'x'], 'tollgate: no rule "no-such-rule"'],
    [['usage', 'show', 'per-phone', '12'], 'tollgate: phone is not a valid phone number'],
    [['usage', 'show', 'per-device', 'AC1'], 'tollgate: rule per-device takes 2 key part(s): header.x-account, header.x-device'],
    [['usage', 'reset', 'no-such-rule', 'x'], 'tollgate: no rule "no-such-rule"'],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const { service } = await seeded();
    const run = await runWith(service, argv);
    expect(run.code).toBe(2);
    expect(run.err.slice(-2)).toEqual([message, `Run 'tollgate ${argv.slice(0, 2).join(' ')} --help' for usage.`]);
  });
});

describe('tollgate usage reset', () => {
  it('forgets the caller\'s calls, publishes the reset, and shows the usage afterwards', async () => {
    const { service, clock } = await seeded();
    await service.stores.resetFeed.poll(clock());
    const run = await runWith(service, ['usage', 'reset', 'per-phone', '+1 415 555 1212']);
    expect(run.code).toBe(0);
    expect(run.out).toEqual([
      `reset per-phone at ${iso(clock())}: partition(s) ${hash('+14155551212')}`,
      'rule per-phone, key "+1 415 555 1212" -> "+14155551212"',
      `partition ${hash('+14155551212')} (current secret): version 2, 0 call(s) in the longest window`,
      'window 1h: 0 of 5 used (5 left)',
      'window 1d: 0 of 30 used (30 left)',
      'next request: admitted',
    ]);
    expect(await service.stores.resetFeed.poll(clock())).toEqual([{ caller: hash('+14155551212'), api: 'per-phone' }]);
    expect((await service.composed.limits.inspect('per-phone', ['+14155551212'])).next).toBe('admitted');
  });

  it('prints {reset, usage} with --json', async () => {
    const { service, clock } = await seeded();
    const run = await runWith(service, ['usage', 'reset', 'per-phone', '+14155551212', '--json']);
    const printed = JSON.parse(run.out.join('\n'));
    expect(printed.reset).toEqual({ rule: 'per-phone', partitions: [hash('+14155551212')], resetAt: iso(clock()) });
    expect(printed.usage).toMatchObject({ rule: 'per-phone', next: 'admitted', windows: [{ used: 0 }, { used: 0 }] });
  });
});
