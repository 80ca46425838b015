/**
 * A native rule's "key" (and a shared limit's "member") to KeyParts. The grammar: body.<field>,
 * header.<name>, query.<name>, param.<name>, ip, token, global (one key for every request), each
 * optionally followed by "?" (left out of the key when absent), as a string or {"from", "normalize"}.
 */
import type { KeyPart, Normalizer } from './rule.js';
import type { NativeKeyPartJson, NativeRuleJson, NormalizeName } from './rule-schema.js';
import type { ParsedKeyPart } from './optional-key-part.js';
import { isWildcardPath, pathPrefix, routeParams } from './route-path.js';

/** Throws the RuleFileError for a path relative to the rule being parsed. */
export type Fail = (path: string, reason: string) => never;

/** Kazoo's bucket key: the client's address and the account the request is for, when its route names one. */
export const DEFAULT_BUCKET_KEY: readonly string[] = Object.freeze(['ip', 'param.accountId?']);

/**
 * The rule's key parts. `defaultKey` is used when the rule writes none (bucket rules); without one
 * a missing key is refused as the schema would refuse it.
 */
export function keyPartsOf(json: NativeRuleJson, fail: Fail, defaultKey?: readonly string[]): ParsedKeyPart[] {
  const path = json.match.path;
  if (json.key === undefined) {
    if (!defaultKey) return fail('', 'missing required property "key"');
    // Not written by the author: an optional param the path lacks is simply always absent.
    return defaultKey.map((from) => keyPartOf({ from }, path, '.key', fail, { written: false }));
  }
  const single = typeof json.key === 'string';
  if (!single && json.normalize !== undefined) {
    fail('.normalize', 'applies to a single key; with a compound key set "normalize" on each part ({"from": ..., "normalize": ...})');
  }
  const entries = typeof json.key === 'string'
    ? [{ from: json.key, normalize: json.normalize, stripPlusTag: json.stripPlusTag }]
    : json.key.map((entry) => (typeof entry === 'string' ? { from: entry } : entry));
  return entries.map((entry, i) => keyPartOf(entry, path, single ? '' : `.key[${i}]`, fail, { written: true, single }));
}

/** A shared limit's member: one key part, neither optional nor global (the schema holds that). */
export function memberOf(member: NativeKeyPartJson, path: string, at: string, fail: Fail): KeyPart {
  const entry = typeof member === 'string' ? { from: member } : member;
  return keyPartOf(entry, path, `${at}.member`, fail, { written: true });
}

interface PartOptions {
  /** False for a default key: its optional param parts need not be in the path. */
  written: boolean;
  /** A single string key: its normalize and stripPlusTag are the rule's (".normalize"), not the part's. */
  single?: boolean;
}

function keyPartOf(
  entry: { from: string; normalize?: NormalizeName; stripPlusTag?: boolean },
  path: string,
  at: string,
  fail: Fail,
  options: PartOptions,
): ParsedKeyPart {
  // Where normalize and stripPlusTag sit: on the rule for a single string key, else on the part.
  const optionAt = options.single ? '' : at;
  const normalize = normalizerOf(entry.normalize, entry.stripPlusTag, () => fail(`${optionAt}.stripPlusTag`, 'only applies with "normalize": "email"'));
  const optional = entry.from.endsWith('?');
  const ref = optional ? entry.from.slice(0, -1) : entry.from;
  const [source, ...rest] = ref.split('.');
  const name = rest.length > 0 ? rest.join('.') : undefined;
  const partAt = options.single ? '.key' : at;
  if (source === 'global' && normalize) fail(`${optionAt}.normalize`, '"global" is one constant key for every request: it takes no "normalize"');
  if (source === 'param' && !routeParams(pathPrefix(path)).includes(name!)) {
    // A wildcard covers routes with different parameters: an optional part may name one only some have.
    const somewhere = optional && (isWildcardPath(path) || !options.written);
    if (!somewhere) {
      const hint = isWildcardPath(path) && !optional ? `; for a parameter only some routes under it have, write "param.${name}?"` : '';
      fail(partAt, `route parameter "${name}" is not in match.path "${path}"${hint}`);
    }
  }
  const part: ParsedKeyPart = { source: source as KeyPart['source'], label: entry.from };
  if (name !== undefined) part.name = source === 'header' ? name.toLowerCase() : name;
  if (normalize) part.normalize = normalize;
  if (optional) part.optional = true;
  return part;
}

function normalizerOf(name: NormalizeName | undefined, stripPlusTag: boolean | undefined, misplaced: () => never): Normalizer | undefined {
  if (stripPlusTag !== undefined && name !== 'email') misplaced();
  if (name === 'email') return { kind: 'email', stripPlusTag: stripPlusTag ?? false };
  return name === undefined ? undefined : { kind: name };
}
