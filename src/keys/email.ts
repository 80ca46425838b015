/**
 * Canonical emails: trimmed, Unicode NFKC (full-width and compatibility forms folded), lower-cased,
 * the domain in its ASCII (punycode) form without a trailing dot, and, when the rule asks, the
 * "+tag" of the local part removed ("a+1@x.io" and "a+2@x.io" are one mailbox at most providers).
 */
import { domainToASCII } from 'node:url';
import { BoundedMemo } from './bounded-memo.js';
import type { Normalized } from './phone.js';

const MAX_LOCAL = 64;
const MAX_EMAIL = 254;

/**
 * Recent answers by raw input, as phone.ts keeps them: a flood repeats the same few addresses, and
 * NFKC plus the domain's punycode form cost a few microseconds per request on the refusal path.
 * Bounded (oldest first out); inputs longer than an address can be are not kept.
 */
const memo = new BoundedMemo<string, Normalized>(10_000);

export function canonicalEmail(raw: string, stripPlusTag: boolean): Normalized {
  if (raw.length > MAX_EMAIL + 16) return canonical(raw, stripPlusTag);
  // Frozen: every caller with this input shares the one answer.
  return memo.remember(`${stripPlusTag ? '+' : '='}${raw}`, () => Object.freeze(canonical(raw, stripPlusTag)));
}

function canonical(raw: string, stripPlusTag: boolean): Normalized {
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
