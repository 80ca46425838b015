/**
 * Canonical emails: trimmed, Unicode NFKC (full-width and compatibility forms folded), lower-cased,
 * the domain in its ASCII (punycode) form without a trailing dot, and, when the rule asks, the
 * "+tag" of the local part removed ("a+1@x.io" and "a+2@x.io" are one mailbox at most providers).
 */
import { domainToASCII } from 'node:url';
import type { Normalized } from './phone.js';

const MAX_LOCAL = 64;
const MAX_EMAIL = 254;

export function canonicalEmail(raw: string, stripPlusTag: boolean): Normalized {
  const text = raw.normalize('NFKC').trim().toLowerCase();
  const at = text.lastIndexOf('@');
  if (at <= 0 || text.length > MAX_EMAIL || /\s/.test(text)) return invalid();
  let local = text.slice(0, at);
  if (local.includes('@') || local.length > MAX_LOCAL) return invalid();
  if (stripPlusTag) local = local.split('+')[0]!;
  const domain = domainToASCII(text.slice(at + 1).replace(/\.$/, ''));
  if (local === '' || domain === '' || !domain.includes('.') || domain.startsWith('.')) return invalid();
  return { ok: true, value: `${local}@${domain}` };
}

function invalid(): Normalized {
  return { ok: false, reason: 'is not a valid email address' };
}
