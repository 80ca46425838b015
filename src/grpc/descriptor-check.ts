/**
 * checkOfDescriptor: one of Envoy's rate limit descriptors as the check tollgate decides. Pure.
 *
 * A descriptor with an `account` entry is a SIP message (a packet check): `account`, and
 * optionally `device`, `kind` (registration | invite | packet; default packet) and `ip` (or
 * Envoy's `remote_address`). Any other descriptor is a generic check of one API's rules: the api
 * is the `api` entry, or `generic_key` (Envoy's constant per route: name the route pattern in its
 * descriptor_value), or `path`/`:path` (query string dropped); `method`/`:method` the method
 * (default POST); every other entry is a key part by its rule spelling (`header.x-device-id`,
 * `body.phone`, `query.to`, `param.accountId`, `ip`, `token`), with `remote_address` read as `ip`.
 *
 * Anything else is refused rather than guessed at (an unknown entry, a repeated one, two
 * entries naming the api): a key that is silently dropped would make a rule count the wrong caller.
 */
import { isIP } from 'node:net';
import type { GenericCheck, PacketCheck, PacketKind } from '../domains/decisions/decision-service.js';
import { MEMBER_REF } from '../rules/limit-schema.js';
import type { DescriptorEntry } from './rate-limit-protos.js';

/** A descriptor that cannot be read as a check; the server answers INVALID_ARGUMENT with the message. */
export class DescriptorError extends Error {
  override readonly name = 'DescriptorError';
}

export type DescriptorCheck = { packet: PacketCheck } | { generic: GenericCheck };

const KINDS: readonly string[] = ['registration', 'invite', 'packet'];
const METHODS: readonly string[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const PACKET_FIELDS: Readonly<Record<string, 'account' | 'device' | 'kind' | 'ip'>> = { account: 'account', device: 'device', kind: 'kind', ip: 'ip', remote_address: 'ip' };
const API_ENTRIES = new Set(['api', 'generic_key', 'path', ':path']);
const METHOD_ENTRIES = new Set(['method', ':method']);
const KEY_NAME = new RegExp(MEMBER_REF);
const MAX_VALUE_LENGTH = 1024;

/**
 * The check of descriptor `at` ("descriptors[2]"). `amount` is the request's hits_addend when it
 * was set (1..1000): a packet check's count, a generic check's cost. Unset, the defaults apply
 * (one message; the rule's token_costs).
 */
export function checkOfDescriptor(entries: readonly DescriptorEntry[], amount: number | undefined, at: string): DescriptorCheck {
  if (entries.length === 0) throw new DescriptorError(`${at} has no entries`);
  for (const { key, value } of entries) {
    if (key === '') throw new DescriptorError(`${at} has an entry without a key`);
    if (value === '' || value.length > MAX_VALUE_LENGTH) throw new DescriptorError(`${at}: entry "${key}" needs a value of 1 to ${MAX_VALUE_LENGTH} characters`);
  }
  return entries.some((entry) => entry.key === 'account') ? { packet: packetOf(entries, amount, at) } : { generic: genericOf(entries, amount, at) };
}

function packetOf(entries: readonly DescriptorEntry[], amount: number | undefined, at: string): PacketCheck {
  const fields: Partial<Record<'account' | 'device' | 'kind' | 'ip', string>> = {};
  for (const { key, value } of entries) {
    const field = PACKET_FIELDS[key];
    if (field === undefined) throw new DescriptorError(`${at}: entry "${key}" does not belong in a packet descriptor (account, device, kind, ip or remote_address)`);
    if (fields[field] !== undefined) throw new DescriptorError(`${at}: ${field} is given twice`);
    fields[field] = value;
  }
  const kind = fields.kind ?? 'packet';
  if (!KINDS.includes(kind)) throw new DescriptorError(`${at}: kind "${kind}" is not one of registration, invite, packet`);
  if (fields.ip !== undefined && isIP(fields.ip) === 0) throw new DescriptorError(`${at}: ip "${fields.ip}" is not an IPv4 or IPv6 address`);
  const check: PacketCheck = { account: fields.account!, kind: kind as PacketKind };
  if (fields.device !== undefined) check.device = fields.device;
  if (fields.ip !== undefined) check.ip = fields.ip;
  if (amount !== undefined) check.count = amount;
  return check;
}

function genericOf(entries: readonly DescriptorEntry[], amount: number | undefined, at: string): GenericCheck {
  let api: { entry: string; value: string } | undefined;
  let method: string | undefined;
  const keys: Record<string, string> = {};
  for (const { key, value } of entries) {
    if (API_ENTRIES.has(key)) {
      if (api) throw new DescriptorError(`${at} names its api twice ("${api.entry}" and "${key}")`);
      api = { entry: key, value: key.endsWith('path') ? value.replace(/[?#].*$/s, '') : value };
    } else if (METHOD_ENTRIES.has(key)) {
      if (method !== undefined) throw new DescriptorError(`${at} names its method twice`);
      method = value.toUpperCase();
      if (!METHODS.includes(method)) throw new DescriptorError(`${at}: method "${value}" is not one of ${METHODS.join(', ')}`);
    } else {
      const name = key === 'remote_address' ? 'ip' : key;
      if (!KEY_NAME.test(name)) {
        throw new DescriptorError(`${at}: entry "${key}" is not a key tollgate knows; spell key parts as rules do (header.x-device-id, body.phone, query.to, param.accountId, ip, token), or name the api with api, generic_key or path`);
      }
      if (Object.hasOwn(keys, name)) throw new DescriptorError(`${at}: key "${name}" is given twice`);
      keys[name] = value;
    }
  }
  if (!api) throw new DescriptorError(`${at} names no api: add an entry api (or generic_key, path) holding the route pattern, or account for a SIP message`);
  if (!api.value.startsWith('/') || api.value.length > 512) throw new DescriptorError(`${at}: api "${api.value}" (from "${api.entry}") is not a route pattern starting with "/"`);
  const check: GenericCheck = { api: api.value, keys };
  if (method !== undefined) check.method = method;
  if (amount !== undefined) check.cost = amount;
  return check;
}
