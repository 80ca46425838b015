/**
 * The client address a rule keyed on "ip" counts, decided once and the same way everywhere.
 *
 * - X-Forwarded-For is ignored unless TRUST_PROXY_HOPS says how many proxies of ours stand in
 *   front: then the address those proxies saw is the Nth from the right of [...XFF, peer]. What a
 *   client writes further left is never read, so a spoofed header cannot mint a new key.
 * - IPv4-mapped IPv6 (::ffff:203.0.113.7) is the IPv4 address it carries.
 * - IPv6 clients are keyed by their network (/64 by default): one subscriber line gets a whole
 *   /64 and can walk through 2^64 addresses.
 */
import ipaddr from 'ipaddr.js';

export interface ClientAddressOptions {
  /** Proxies of ours in front of tollgate; 0 ignores X-Forwarded-For. */
  trustProxyHops: number;
  /** Prefix length IPv6 clients are keyed by (128 keys single addresses). */
  ipv6PrefixLength: number;
}

export function clientAddress(
  peer: string | undefined,
  forwardedFor: readonly string[] | undefined,
  options: ClientAddressOptions,
): string {
  let chosen = peer ?? '';
  if (options.trustProxyHops > 0 && forwardedFor && forwardedFor.length > 0) {
    const hops = forwardedFor.flatMap((header) => header.split(',')).map((entry) => stripPort(entry.trim()));
    const chain = [...hops, chosen];
    // Walk left from the peer over our own proxies; stop early at anything that is not an address.
    for (let i = chain.length - 2, n = 1; i >= 0 && n <= options.trustProxyHops; i--, n++) {
      if (!isAddress(chain[i]!)) break;
      chosen = chain[i]!;
    }
  }
  return canonicalAddress(chosen, options.ipv6PrefixLength);
}

/** "::ffff:1.2.3.4" -> "1.2.3.4"; IPv6 -> its /prefix network; anything unparseable as it is. */
export function canonicalAddress(text: string, ipv6PrefixLength: number): string {
  if (!isAddress(text)) return text;
  let address = ipaddr.parse(text);
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) address = (address as ipaddr.IPv6).toIPv4Address();
  if (address.kind() === 'ipv4') return address.toString();
  if (ipv6PrefixLength >= 128) return address.toString();
  const bytes = address.toByteArray();
  for (let bit = ipv6PrefixLength; bit < 128; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return `${ipaddr.fromByteArray(bytes).toString()}/${ipv6PrefixLength}`;
}

/** Dotted-quad IPv4 or IPv6 only: ipaddr.isValid also takes "127.1" and "0x7f.0.0.1". */
function isAddress(text: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text);
}

/** "203.0.113.7:4711" and "[2001:db8::1]:443" as proxies sometimes write them. */
function stripPort(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (bracketed) return bracketed[1]!;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(entry);
  return v4 ? v4[1]! : entry;
}
