import { describe, expect, it } from 'vitest';
import { createCallbackUrlPolicy, forbiddenRange, guardedLookup, type Resolver } from '../../../src/domains/calls/callback-url-policy.js';

/** Names and what they resolve to; anything else does not resolve. */
const DNS: Record<string, string[]> = {
  'example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
  'rebind.example.com': ['93.184.216.34', '10.0.0.5'],
  'metadata-alias.example.com': ['169.254.169.254'],
  'v6private.example.com': ['fd00::1'],
  'loopback6.example.com': ['::1'],
};
const fakeResolver: Resolver = async (name) => {
  if (name === 'slow.example.com') return new Promise<string[]>(() => {});
  const addresses = DNS[name];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  return addresses;
};
const open = createCallbackUrlPolicy({ allowedHosts: undefined, resolve: fakeResolver, resolveTimeoutMs: 20 });

describe('forbiddenRange', () => {
  it.each([
    ['93.184.216.34', undefined],
    ['2606:4700:4700::1111', undefined],
    ['127.0.0.1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.0.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fd00::1', 'uniqueLocal'],
    ['fe80::1', 'linkLocal'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.1.1.1', 'private'],
    ['not-an-ip', 'not an address'],
  ])('%s -> %s', (address, range) => {
    expect(forbiddenRange(address)).toBe(range);
  });
});

describe('the callback URL policy without CALLBACK_ALLOWED_HOSTS', () => {
  it.each([
    ['ftp://example.com/status', 'must be an http or https URL'],
    ['file:///etc/passwd', 'must be an http or https URL'],
    ['/relative/path', 'is not an absolute URL'],
    ['http://127.0.0.1:8080/', '(loopback)'],
    ['http://127.1/', '(loopback)'],
    ['http://2130706433/', '(loopback)'],
    ['http://0x7f000001/', '(loopback)'],
    ['http://10.1.2.3/', '(private)'],
    ['http://172.16.0.1/', '(private)'],
    ['http://172.31.255.255/', '(private)'],
    ['http://192.168.1.1/', '(private)'],
    ['http://169.254.169.254/latest/meta-data/', '(linkLocal)'],
    ['http://100.64.0.1/', '(carrierGradeNat)'],
    ['http://0.0.0.0/', '(unspecified)'],
    ['http://224.0.0.1/', '(multicast)'],
    ['http://255.255.255.255/', '(broadcast)'],
    ['http://240.0.0.1/', '(reserved)'],
    ['http://[::1]/', '(loopback)'],
    ['http://[::]/', '(unspecified)'],
    ['http://[fc00::1]/', '(uniqueLocal)'],
    ['http://[fd12:3456::1]/', '(uniqueLocal)'],
    ['http://[fe80::1]/', '(linkLocal)'],
    ['http://[ff02::1]/', '(multicast)'],
    ['http://[::ffff:127.0.0.1]/', '(loopback)'],
    ['http://[::ffff:169.254.169.254]/', '(linkLocal)'],
    ['http://localhost:3000/', 'is not a public name'],
    ['http://LOCALHOST./', 'is not a public name'],
    ['http://api.localhost/', 'is not a public name'],
    ['http://metadata.google.internal/computeMetadata/v1/', 'is not a public name'],
    ['http://db.internal/', 'is not a public name'],
    ['http://printer.local/', 'is not a public name'],
    ['http://intranet/', 'is not a public name'],
    ['http://rebind.example.com/', 'resolves to 10.0.0.5, which is not public (private)'],
    ['https://metadata-alias.example.com/', 'resolves to 169.254.169.254, which is not public (linkLocal)'],
    ['https://v6private.example.com/', 'resolves to fd00::1, which is not public (uniqueLocal)'],
    ['https://loopback6.example.com/', 'resolves to ::1, which is not public (loopback)'],
  ])('refuses %s', async (url, reason) => {
    const verdict = await open.check(url);
    expect(verdict.ok).toBe(false);
    expect(verdict.ok === false && verdict.reason).toContain(reason);
  });

  it.each([
    ['https://example.com/status'],
    ['http://example.com:8080/status?x=1'],
    ['https://user:secret@example.com/status'],
    ['http://93.184.216.34/status'],
    ['http://[2606:4700:4700::1111]/status'],
    // Not resolving (yet) is accepted: delivery resolves again through the guarded lookup.
    ['https://unresolvable.example.com/status'],
    ['https://slow.example.com/status'],
  ])('accepts %s', async (url) => {
    expect(await open.check(url)).toEqual({ ok: true });
  });

  it('connects deliveries through the guarded lookup', () => {
    expect(open.lookup).toBe(guardedLookup);
  });
});

describe('the callback URL policy with CALLBACK_ALLOWED_HOSTS', () => {
  const allowList = createCallbackUrlPolicy({ allowedHosts: ['127.0.0.1', 'hooks.example.com', '[::1]'], resolve: fakeResolver });

  it.each([['http://127.0.0.1:9999/hook'], ['https://HOOKS.example.com/x'], ['http://hooks.example.com./x'], ['http://[::1]:8080/']])('accepts a listed host: %s', async (url) => {
    expect(await allowList.check(url)).toEqual({ ok: true });
  });

  it.each([
    ['https://example.com/status', 'is not in CALLBACK_ALLOWED_HOSTS'],
    ['http://localhost/', 'is not in CALLBACK_ALLOWED_HOSTS'],
    ['http://127.0.0.2/', 'is not in CALLBACK_ALLOWED_HOSTS'],
    ['http://evil.hooks.example.com/', 'is not in CALLBACK_ALLOWED_HOSTS'],
    ['ftp://127.0.0.1/', 'must be an http or https URL'],
  ])('refuses %s', async (url, reason) => {
    const verdict = await allowList.check(url);
    expect(verdict.ok === false && verdict.reason).toContain(reason);
  });

  it('leaves deliveries to the system lookup (the operator vouches for the hosts)', () => {
    expect(allowList.lookup).toBeUndefined();
  });
});

describe('guardedLookup', () => {
  const lookup = (host: string, all: boolean) =>
    new Promise<{ error: NodeJS.ErrnoException | null; address: unknown }>((resolve) => guardedLookup(host, { all }, (error, address) => resolve({ error, address })));

  it.each([[false], [true]])('refuses a name that resolves to a loopback address (all: %s)', async (all) => {
    const { error } = await lookup('localhost', all);
    expect(error?.message).toMatch(/localhost resolves to .*, which is not public/);
  });

  it('passes resolution failures through', async () => {
    const { error } = await lookup('no-such-host.invalid', false);
    expect(error?.code).toMatch(/ENOTFOUND|EAI_AGAIN/);
  });
});
