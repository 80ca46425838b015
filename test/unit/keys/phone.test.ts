import { describe, expect, it } from 'vitest';
import { isPhoneRegion, toE164 } from '../../../src/keys/phone.js';

describe('toE164', () => {
  it.each([
    ['+14155551212', 'US', '+14155551212'],
    ['+1 (415) 555-1212', 'US', '+14155551212'],
    ['415-555-1212', 'US', '+14155551212'],
    ['415.555.1212', 'US', '+14155551212'],
    ['  +1 415 555 1212  ', 'US', '+14155551212'],
    ['(415) 555 1212 ext. 5', 'US', '+14155551212'],
    ['＋１４１５５５５１２１２', 'US', '+14155551212'],
    ['tel:+1-415-555-1212', 'US', '+14155551212'],
    ['+44 20 7946 0958', 'US', '+442079460958'],
    ['020 7946 0958', 'GB', '+442079460958'],
    ['+91 98765 43210', 'US', '+919876543210'],
  ])('%j (region %s) is %s', (raw, region, e164) => {
    expect(toE164(raw, region)).toEqual({ ok: true, value: e164 });
  });

  it.each(['', 'abc', '12', '+1415555121', '+1 800 FLOWERS', '00442079460958', '+999 1234567'])('refuses %j', (raw) => {
    expect(toE164(raw, 'US')).toEqual({ ok: false, reason: 'is not a valid phone number' });
  });
});

describe('isPhoneRegion', () => {
  it.each([
    ['US', true],
    ['GB', true],
    ['IN', true],
    ['XX', false],
    ['USA', false],
  ])('%s -> %s', (region, known) => {
    expect(isPhoneRegion(region)).toBe(known);
  });
});

describe('toE164 on repeated input (the memo)', () => {
  it('gives a repeated number the same answer as the first time, per region', () => {
    expect(toE164('020 7946 0958', 'GB')).toEqual({ ok: true, value: '+442079460958' });
    expect(toE164('020 7946 0958', 'GB')).toEqual({ ok: true, value: '+442079460958' });
    // Same text, other default region: another entry, another answer.
    expect(toE164('020 7946 0958', 'US').ok).toBe(false);
    expect(toE164('020 7946 0958', 'US').ok).toBe(false);
  });

  it('keeps answering correctly past its bound, and for input too long to keep', () => {
    for (let i = 0; i < 10_050; i++) {
      const national = String(2_025_550_000 + i);
      expect(toE164(national, 'US')).toEqual({ ok: true, value: `+1${national}` });
    }
    expect(toE164('415-555-1212', 'US')).toEqual({ ok: true, value: '+14155551212' });
    const long = `+1 415 555 1212${' '.repeat(80)}`;
    expect(toE164(long, 'US')).toEqual({ ok: true, value: '+14155551212' });
  });
});
