/**
 * Allow and deny lists: exact normalised keys ("+14155550100", "a@example.com") and prefixes
 * written with a trailing "*" ("+1900*", a premium-rate range). Entries are written in the
 * normalised form (E.164, lower-case email) because they are compared with the key a rule
 * extracted after normalisation; a rule whose key is normalised refuses entries that could never
 * match, so a typo in a deny list is caught when the rules load, not under attack.
 */
import type { AccessList, Normalizer } from './rule.js';

export const EMPTY_LIST: AccessList = Object.freeze({ exact: new Set<string>(), prefixes: Object.freeze([]) as readonly string[] });

/** Why an entry cannot match keys normalised this way; undefined when it can. */
export function entryProblem(entry: string, normalize: Normalizer | undefined): string | undefined {
  const value = entry.endsWith('*') ? entry.slice(0, -1) : entry;
  if (value === '' || value.includes('*')) return `"${entry}" is not a key or a prefix ending in one "*"`;
  if (normalize?.kind === 'e164' && !/^\+[0-9]{1,15}$/.test(value)) return `"${entry}" is not an E.164 number or prefix ("+14155550100", "+1900*")`;
  if ((normalize?.kind === 'email' || normalize?.kind === 'lowercase') && value !== value.toLowerCase()) return `"${entry}" must be lower-case, as keys are after normalisation`;
  return undefined;
}

export function createAccessList(entries: readonly string[]): AccessList {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const entry of entries) {
    if (entry.endsWith('*')) prefixes.push(entry.slice(0, -1));
    else exact.add(entry);
  }
  return Object.freeze({ exact, prefixes: Object.freeze(prefixes) });
}

export function mergeAccessLists(lists: readonly AccessList[]): AccessList {
  const nonEmpty = lists.filter((l) => l.exact.size > 0 || l.prefixes.length > 0);
  if (nonEmpty.length === 0) return EMPTY_LIST;
  return createAccessList(nonEmpty.flatMap((l) => [...l.exact, ...l.prefixes.map((p) => `${p}*`)]));
}

export function listed(list: AccessList, key: string): boolean {
  if (list.exact.has(key)) return true;
  for (const prefix of list.prefixes) if (key.startsWith(prefix)) return true;
  return false;
}
