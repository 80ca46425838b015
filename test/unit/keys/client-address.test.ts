import { describe, expect, it } from 'vitest';
import { canonicalAddress, clientAddress } from '../../../src/keys/client-address.js';

const direct = { trustProxyHops: 0, ipv6PrefixLength: 64 };
const oneProxy = { trustProxyHops: 1, ipv6PrefixLength: 64 };
const twoProxies = { trustProxyHops: 2, ipv6PrefixLength: 64 };

describe('clientAddress', () => {
  it.each<[string, string | undefined, string[] | undefined, typeof direct, string]>([
    ['the peer, when no proxy is trusted', '203.0.113.7', undefined, direct, '203.0.113.7'],
    ['the peer, ignoring a spoofed header when no proxy is trusted', '203.0.113.7', ['198.51.100.1'], direct, '203.0.113.7'],
    ['the address our one proxy saw', '10.0.0.2', ['198.51.100.9'], oneProxy, '198.51.100.9'],
    ['the address our one proxy saw, not what the client prepended', '10.0.0.2', ['1.1.1.1, 2.2.2.2, 198.51.100.9'], oneProxy, '198.51.100.9'],
    ['the same across repeated headers', '10.0.0.2', ['1.1.1.1', '198.51.100.9'], oneProxy, '198.51.100.9'],
    ['the address the outer of two proxies saw', '10.0.0.2', ['6.6.6.6, 198.51.100.9, 10.0.0.1'], twoProxies, '198.51.100.9'],
    ['the furthest address when fewer hops came than trusted', '10.0.0.2', ['198.51.100.9'], twoProxies, '198.51.100.9'],
    ['the nearest real address when a trusted slot holds garbage', '10.0.0.2', ['198.51.100.9, garbage'], twoProxies, '10.0.0.2'],
    ['an address with a port, as some proxies write it', '10.0.0.2', ['198.51.100.9:4711'], oneProxy, '198.51.100.9'],
    ['a bracketed IPv6 address with a port', '10.0.0.2', ['[2001:db8:1:2::9]:443'], oneProxy, '2001:db8:1:2::/64'],
    ['not "127.1" shorthand, which would be a second spelling', '10.0.0.2', ['127.1'], oneProxy, '10.0.0.2'],
    ['the peer when there is no header', '10.0.0.2', undefined, oneProxy, '10.0.0.2'],
  ])('takes %s', (_, peer, xff, options, expected) => {
    expect(clientAddress(peer, xff, options)).toBe(expected);
  });

  it('gives a rotating X-Forwarded-For no new key when no proxy is trusted', () => {
    const keys = new Set(Array.from({ length: 20 }, (_, i) => clientAddress('203.0.113.7', [`198.51.100.${i}`], direct)));
    expect([...keys]).toEqual(['203.0.113.7']);
  });
});

describe('canonicalAddress', () => {
  it.each([
    ['::ffff:203.0.113.7', 64, '203.0.113.7'],
    ['203.0.113.7', 64, '203.0.113.7'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', 64, '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:0000:0000:0000:0001', 64, '2001:db8:1:2::/64'],
    ['2001:db8:1:2::1', 48, '2001:db8:1::/48'],
    ['2001:db8:1:2::1', 128, '2001:db8:1:2::1'],
    ['2001:DB8:1:2::1', 128, '2001:db8:1:2::1'],
  ])('%s (/%i) -> %s', (text, prefix, expected) => {
    expect(canonicalAddress(text, prefix)).toBe(expected);
  });

  it('keys every address of one /64 alike', () => {
    const keys = new Set(['2001:db8:1:2::1', '2001:db8:1:2::ffff', '2001:db8:1:2:1234:5678:9abc:def0'].map((a) => canonicalAddress(a, 64)));
    expect(keys.size).toBe(1);
  });
});
