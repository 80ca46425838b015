/**
 * extractKey(rule, request): the caller a rule counts, as one string, or why there is none.
 * Pure. Every part is trimmed and normalised as the rule says; a part that is present but cannot
 * be normalised is "invalid" (the request is refused with 400) so that bad spellings never mint
 * fresh keys. Repeated query parameters and headers are refused for the same reason.
 *
 * A part written with a trailing "?" is optional: when absent it does not make the key missing
 * (only all parts absent do), and it stands as null in the compound key, so that keys whose parts
 * are all present are spelled exactly as before and two different absences never collide.
 * "global" is the constant "global": one partition for every request.
 */
import type { KeyPart, Rule } from '../rules/rule.js';
import { isOptionalPart } from '../rules/optional-key-part.js';
import type { RequestView } from './request-view.js';
import { toE164, type Normalized } from './phone.js';
import { canonicalEmail } from './email.js';

export type KeyResult =
  | { kind: 'key'; value: string }
  | { kind: 'missing'; part: string }
  | { kind: 'invalid'; field: string; message: string };

export interface KeyOptions {
  defaultPhoneRegion: string;
}

/** Longest key part kept: Cassandra partition keys are bounded, and no real identifier is longer. */
export const MAX_KEY_PART_LENGTH = 256;
/** The one value of a "global" key part. */
export const GLOBAL_KEY = 'global';

export function extractKey(rule: Rule, request: RequestView, options: KeyOptions): KeyResult {
  const raw: Array<string | undefined> = [];
  for (const part of rule.key) {
    const read = readPart(part, request);
    if (read.kind === 'invalid') return read;
    if (read.kind === 'missing' && !isOptionalPart(part)) return { kind: 'missing', part: part.label };
    raw.push(read.kind === 'value' ? read.value : undefined);
  }
  return keyOf(rule, raw, options);
}

/**
 * The key for raw values of a rule's key parts, normalised as a request's would be. Operator
 * tools (scripts/calls.ts) use it so that "+1 (415) 555-1212" finds the same partition. An
 * optional part given as "" is absent; a "global" part is "global" whatever is given.
 */
export function keyFromValues(rule: Rule, raw: readonly string[], options: KeyOptions): KeyResult {
  if (raw.length !== rule.key.length) {
    return { kind: 'invalid', field: 'key', message: `rule ${rule.id} takes ${rule.key.length} key part(s): ${rule.key.map((p) => p.label).join(', ')}` };
  }
  return keyOf(rule, rule.key.map((part, i) => (isOptionalPart(part) && raw[i]!.trim() === '' ? undefined : raw[i]!)), options);
}

/** Normalised values to the key: undefined marks an absent optional part. */
function keyOf(rule: Rule, raw: ReadonlyArray<string | undefined>, options: KeyOptions): KeyResult {
  if (raw.every((value) => value === undefined)) return { kind: 'missing', part: rule.key.map((p) => p.label.replace(/\?$/, '')).join(' or ') };
  const values: Array<string | null> = [];
  for (const [i, part] of rule.key.entries()) {
    const value = part.source === 'global' ? GLOBAL_KEY : raw[i];
    if (value === undefined) {
      values.push(null);
      continue;
    }
    const normalized = normalize(part, value.trim(), options);
    if (!normalized.ok) return { kind: 'invalid', field: fieldName(part), message: `${fieldName(part)} ${normalized.reason}` };
    values.push(normalized.value);
  }
  // One part is the value itself; compound keys are a JSON array so ["a,b","c"] != ["a","b,c"].
  return { kind: 'key', value: values.length === 1 ? values[0]! : JSON.stringify(values) };
}

type PartRead = { kind: 'value'; value: string } | { kind: 'missing' } | { kind: 'invalid'; field: string; message: string };

function readPart(part: KeyPart, request: RequestView): PartRead {
  const field = fieldName(part);
  let raw: unknown;
  switch (part.source) {
    case 'global':
      raw = GLOBAL_KEY;
      break;
    case 'ip':
      raw = request.ip;
      break;
    case 'token':
      raw = credentialToken(request.headers.authorization);
      break;
    case 'param':
      raw = request.params[part.name!];
      break;
    case 'query':
      raw = request.query[part.name!];
      break;
    case 'header':
      raw = request.headers[part.name!];
      break;
    case 'body':
      raw = bodyField(request.body, part.name!);
      break;
  }
  if (Array.isArray(raw)) {
    if (raw.length > 1) return { kind: 'invalid', field, message: `${field} must be given once` };
    raw = raw[0];
  }
  if (raw === undefined || raw === null) return { kind: 'missing' };
  if (typeof raw === 'number' && Number.isFinite(raw)) raw = String(raw);
  if (typeof raw !== 'string') return { kind: 'invalid', field, message: `${field} must be a string` };
  const value = raw.trim();
  if (value === '') return { kind: 'missing' };
  if (value.length > MAX_KEY_PART_LENGTH) return { kind: 'invalid', field, message: `${field} is longer than ${MAX_KEY_PART_LENGTH} characters` };
  return { kind: 'value', value };
}

function normalize(part: KeyPart, value: string, options: KeyOptions): Normalized {
  switch (part.normalize?.kind) {
    case undefined:
      return { ok: true, value };
    case 'e164':
      return toE164(value, options.defaultPhoneRegion);
    case 'email':
      return canonicalEmail(value, part.normalize.stripPlusTag);
    case 'lowercase':
      return { ok: true, value: value.normalize('NFKC').toLowerCase() };
  }
}

/** Own properties only, so "body.__proto__.x" or "body.constructor" can never reach prototypes. */
function bodyField(body: unknown, path: string): unknown {
  let value: unknown = body;
  for (const name of path.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, name)) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return value;
}

/**
 * The token a request presents: a Bearer token, or the password of HTTP Basic (the account
 * routes take `accountId:authToken`), so that a rule keyed on "token" counts one token whichever
 * way it is sent.
 */
function credentialToken(header: readonly string[] | undefined): string | readonly string[] | undefined {
  if (!header) return undefined;
  if (header.length > 1) return header;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header[0] ?? '');
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header[0] ?? '');
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 && colon < decoded.length - 1 ? decoded.slice(colon + 1) : undefined;
}

/** How a part is named to the client: the body field as sent ("phone"), else the rule's spelling. */
function fieldName(part: KeyPart): string {
  return part.source === 'body' ? part.name! : part.label.replace(/\?$/, '');
}
