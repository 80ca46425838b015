import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { logSampler } from '../../src/log-sampler.js';

describe('logSampler', () => {
  it('lets one line through per interval and counts the ones held back', () => {
    const clock = createManualClock(1_000_000);
    const sample = logSampler(clock, 10_000);
    expect(sample()).toBe(0);
    clock.advance(4_000);
    expect(sample()).toBeUndefined();
    clock.advance(5_999);
    expect(sample()).toBeUndefined();
    clock.advance(1);
    expect(sample()).toBe(2);
    expect(sample()).toBeUndefined();
  });
});
