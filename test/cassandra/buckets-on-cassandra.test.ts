/**
 * Token buckets and shared (hierarchical) buckets on the real node from two instances, each its
 * own client and app: requests sent at once admit exactly what the bucket holds, whatever each
 * costs, the parent of a shared bucket is exact across instances, and the state lives in
 * Cassandra: a new instance finds a drained bucket drained. Buckets refill 1 token an hour (10 for
 * the shared one), so nothing refills during a test.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { parseRules } from '../../src/rules/parse-rules.js';
import { uniqueId } from '../support/cassandra.js';
import { jsonOf, postJson, type TestApp } from '../support/test-app.js';
import { atOnce, startInstance, startInstances, tally } from './two-instances.js';

const SIGNUP = { method: 'POST', path: '/v1/signup' };

/** A bucket of 20 tokens refilled 1 an hour; deny: a store failure is a 503, never a silent local admission. */
function bucketRule(id: string, extra: Record<string, unknown> = {}, key: Record<string, unknown> = { key: 'global' }) {
  return { id, match: SIGNUP, ...key, limits: [{ kind: 'bucket', max_bucket_tokens: 20, tokens_fill_rate: 1, tokens_fill_time: 'hour', ...extra }], onStoreError: 'deny' };
}

const signUp = (app: TestApp, phone = '+14155551212', headers: Record<string, string> = {}) => postJson(`${app.url}/v1/signup`, { phone }, headers);
const statuses = (responses: readonly Response[]) => tally(responses.map((r) => String(r.status)));

describe('token buckets on Cassandra, two instances', () => {
  it('admits exactly 20 of 60 requests sent at once to a bucket of 20', async () => {
    const apps = await startInstances({ rules: parseRules('test', { rules: [bucketRule(uniqueId('bucket'))] }), clock: systemClock });
    const responses = await atOnce(apps, 60, (app) => signUp(app));
    expect(statuses(responses)).toEqual([['201', 20], ['429', 40]]);
    const refused = await jsonOf(responses.find((r) => r.status === 429)!);
    expect(refused.error.code).toBe('REQUEST_LIMIT_REACHED');
  });

  it('admits exactly 4 of 60 when each request costs 5 tokens', async () => {
    const apps = await startInstances({ rules: parseRules('test', { rules: [bucketRule(uniqueId('bucket-cost'), { token_costs: 5 })] }), clock: systemClock });
    const responses = await atOnce(apps, 60, (app) => signUp(app));
    expect(statuses(responses)).toEqual([['201', 4], ['429', 56]]);
  });

  it('a new instance (no state in memory) refuses a bucket another instance drained', async () => {
    const rules = parseRules('test', { rules: [bucketRule(uniqueId('bucket-restart'), {}, { key: 'body.phone', normalize: 'e164' })] });
    const a = await startInstance({ rules, clock: systemClock }, 'first-process');
    const drained = await Promise.all(Array.from({ length: 20 }, () => signUp(a, '+14155550123')));
    expect(statuses(drained)).toEqual([['201', 20]]);
    expect((await signUp(a, '+14155550123')).status).toBe(429);
    // The first process goes away; a second one starts with nothing but the keyspace.
    await a.close();
    await a.composed.close();
    const b = await startInstance({ rules, clock: systemClock }, 'second-process');
    // The same key in another spelling: normalised to the same partition, which Cassandra says is empty.
    const refused = await signUp(b, '(415) 555-0123');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await signUp(b, '+14155550124')).status).toBe(201);
  });
});

describe('shared (hierarchical) buckets on Cassandra, two instances', () => {
  it('a parent of 10 an hour with shares of 5: exactly 10 of 60 admitted across three members and two instances', async () => {
    const rule = { id: uniqueId('shared'), match: SIGNUP, key: 'global', limits: [{ kind: 'shared', rate: 10, per: '1h', share: 5, member: 'header.x-device-id' }], onStoreError: 'deny' };
    const apps = await startInstances({ rules: parseRules('test', { rules: [rule] }), clock: systemClock });
    const devices = ['desk', 'phone', 'softphone'];
    const responses = await atOnce(apps, 60, (app, i) => signUp(app, '+14155551212', { 'x-device-id': devices[i % 3]! }));
    expect(statuses(responses)).toEqual([['201', 10], ['429', 50]]);
    // Borrowing leaves the parent's last share to members within theirs, so no member went past its share.
    const admittedPerDevice = tally(responses.flatMap((r, i) => (r.status === 201 ? [devices[i % 3]!] : [])));
    for (const [, admitted] of admittedPerDevice) expect(admitted).toBeLessThanOrEqual(5);
  });
});
