/**
 * Optional key parts ("param.accountId?"): a part that may be absent without making the whole key
 * missing (KeyPart.optional).
 */
import type { KeyPart } from './rule.js';

/** A key part as parse-rules builds it: `optional` is true for a part written with a trailing "?". */
export type ParsedKeyPart = KeyPart;

/** Whether a rule's key part was written with a trailing "?" (left out of the key when absent). */
export function isOptionalPart(part: KeyPart): boolean {
  return part.optional === true;
}
