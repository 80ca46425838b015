import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { parseRules } from '../../src/rules/parse-rules.js';
import { jsonOf, postJson, signupStatuses, startTestApp } from '../support/test-app.js';

describe('an interval limit ("2/30", FreeSWITCH\'s syntax)', () => {
  it('admits 2 new within any 30 seconds, exactly as the window it maps onto', async () => {
    const clock = createManualClock(1_800_000_000_000);
    const rules = parseRules('test', { rules: [{ id: 'two-per-30s', match: { method: 'POST', path: '/v1/signup' }, key: 'body.phone', normalize: 'e164', limits: ['2/30'] }] });
    const app = await startTestApp({ rules, clock });
    const phone = { phone: '+14155550100' };
    expect(await signupStatuses(app.url, [phone, phone])).toEqual([201, 201]);
    const refused = await postJson(`${app.url}/v1/signup`, phone);
    expect(refused.status).toBe(429);
    expect((await jsonOf(refused)).error).toMatchObject({ rule: 'two-per-30s', limit: 2, window: '30s', retryAfter: 30 });
    clock.advance(29_999);
    expect(await signupStatuses(app.url, [phone])).toEqual([429]);
    clock.advance(1);
    expect(await signupStatuses(app.url, [phone, phone])).toEqual([201, 201]);
  });
});
