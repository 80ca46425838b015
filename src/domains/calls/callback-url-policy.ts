/**
 * Where status callbacks may go. A callback URL is a request the service makes on a caller's
 * behalf, so without a check it is server-side request forgery: a caller could make tollgate
 * POST to its own loopback admin port, to a private network or to a cloud metadata endpoint
 * (169.254.169.254). Two modes:
 *
 * - CALLBACK_ALLOWED_HOSTS set: the URL's host must be one of them (exact, case-insensitive),
 *   whatever it resolves to; the operator vouches for those hosts.
 * - unset: the host must be a public name or a public unicast address. A name is resolved at
 *   create time and refused if any address it has is not public unicast; a name that does not
 *   resolve yet is accepted, and delivery resolves it again through `lookup`, which refuses a
 *   forbidden address at connect time (so a name cannot be re-pointed after the check: no DNS
 *   rebinding).
 *
 * Anything ipaddr.js does not class as plain "unicast" is refused: loopback, private,
 * link-local, carrier-grade NAT, unspecified, multicast, broadcast, reserved, unique-local, and
 * the IPv6 forms that embed an IPv4 address (mapped ones are judged as that IPv4 address).
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Resolves a name to its addresses (dns.lookup with all: true by default). */
export type Resolver = (hostname: string) => Promise<string[]>;

export type UrlVerdict = { ok: true } | { ok: false; reason: string };

export interface CallbackUrlPolicyOptions {
  /** Lower-cased hosts (CALLBACK_ALLOWED_HOSTS); undefined: any public host. */
  allowedHosts: readonly string[] | undefined;
  resolve?: Resolver;
  /** How long a create-time resolution may take before the name is taken as not resolving yet. */
  resolveTimeoutMs?: number;
}

export interface CallbackUrlPolicy {
  /** Whether a status callback may go to this URL (the reason is for a 400 message). */
  check(url: string): Promise<UrlVerdict>;
  /** The lookup deliveries must connect with; undefined: the system's (an allow-list is in force). */
  lookup: LookupFunction | undefined;
}

/** Names that are never public, whatever DNS says: loopback, mDNS and cloud-internal ones. */
const PRIVATE_NAME = /(^|\.)(localhost|internal|local|localdomain|home\.arpa)$/;

/** Why an IP address is refused (its ipaddr.js range), or undefined for a public unicast address. */
export function forbiddenRange(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'not an address';
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  return range === 'unicast' ? undefined : range;
}

/** The host of a URL as compared and resolved: lower case, no IPv6 brackets, no trailing dot. */
export function bareHost(url: URL): string {
  return url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

export function systemResolver(hostname: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses.map((a) => a.address))));
  });
}

export function createCallbackUrlPolicy(options: CallbackUrlPolicyOptions): CallbackUrlPolicy {
  const resolve = options.resolve ?? systemResolver;
  const timeoutMs = options.resolveTimeoutMs ?? 2_000;
  const allowed = options.allowedHosts && new Set(options.allowedHosts.map((h) => h.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '')));

  async function check(raw: string): Promise<UrlVerdict> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return { ok: false, reason: 'is not an absolute URL' };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: 'must be an http or https URL' };
    const host = bareHost(url);
    if (allowed) return allowed.has(host) ? { ok: true } : { ok: false, reason: `host "${host}" is not in CALLBACK_ALLOWED_HOSTS` };
    if (ipaddr.isValid(host)) {
      const range = forbiddenRange(host);
      return range ? { ok: false, reason: `address ${host} is not public (${range})` } : { ok: true };
    }
    if (!host.includes('.') || PRIVATE_NAME.test(host)) return { ok: false, reason: `host "${host}" is not a public name` };
    const addresses = await withTimeout(resolve(host), timeoutMs);
    // Not resolving (yet) is no refusal: delivery resolves again and refuses then if it must.
    const bad = addresses?.find((address) => forbiddenRange(address) !== undefined);
    return bad ? { ok: false, reason: `host "${host}" resolves to ${bad}, which is not public (${forbiddenRange(bad)})` } : { ok: true };
  }

  return { check, lookup: allowed ? undefined : guardedLookup };
}

/** dns.lookup for deliveries: fails rather than hand a connection a non-public address. */
export const guardedLookup: LookupFunction = (hostname, options: LookupOptions, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    const bad = addresses.find((a) => forbiddenRange(a.address) !== undefined);
    if (bad || addresses.length === 0) {
      const refusal = Object.assign(new Error(`callback host ${hostname} resolves to ${bad?.address ?? 'nothing'}, which is not public`), { code: 'ECALLBACKREFUSED' });
      return callback(refusal, '', 0);
    }
    if (options.all) return callback(null, addresses);
    return callback(null, addresses[0]!.address, addresses[0]!.family);
  });
};

/** The promise's value, or undefined if it fails or takes longer than `ms`. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise.catch(() => undefined), expired]);
  } finally {
    clearTimeout(timer);
  }
}
