/**
 * Where rules come from. Each source hands over its rule documents as they are now (a file of
 * RULES_DIR, a setting of the system_settings table); the reload path (engine/rules-in-force.ts)
 * loads every source, validates the combined set with the one parser, and swaps it in whole.
 *
 * Precedence: there is none to resolve. Every rule of every source applies to the routes it
 * matches, and a rule id may be defined once across all sources: the same id in a file and in a
 * setting is an error naming both, so an operator always knows which definition is in force.
 */
import { createHash } from 'node:crypto';
import type { AccessList, Rule, RuleSet } from './rule.js';
import { EMPTY_LIST, mergeAccessLists } from './access-list.js';
import { RuleFileError } from './rule-file-error.js';
import { globalListsOf, parseRules } from './parse-rules.js';
import { kazooDocumentKind } from './kazoo-format.js';

/** One rule document: where it came from (a file path, "setting:<name>") and its parsed JSON. */
export interface RuleDocument {
  origin: string;
  json: unknown;
}

export interface RuleSource {
  /** For logs and GET /v1/admin/rules: "files:./rules", "settings". */
  readonly name: string;
  /** Every document the source holds now; throws RuleFileError for one that is not even JSON. */
  load(): Promise<RuleDocument[]>;
}

/** Parses every document and combines them; throws RuleFileError naming the document, path and reason. */
export function buildRuleSet(given: readonly RuleDocument[]): RuleSet {
  const documents = pairKazooDocuments(given);
  const rules = documents.flatMap((doc) => parseRules(doc.origin, doc.json));
  const lists = documents.map((doc) => globalListsOf(doc.origin, doc.json));
  return combineRuleSets(rules, documents.map((doc) => doc.origin), { allow: mergeAccessLists(lists.map((l) => l.allow)), deny: mergeAccessLists(lists.map((l) => l.deny)) });
}

/**
 * Kazoo's crossbar and token_buckets documents shape one crossbar bucket together (kazoo-format.ts),
 * so each may sit in a file or setting of its own, as Kazoo keeps them: the two are parsed as one
 * document named after both. A second document of either kind is refused, naming the first.
 */
function pairKazooDocuments(documents: readonly RuleDocument[]): RuleDocument[] {
  const crossbar = documents.filter((d) => kazooDocumentKind(d.json) === 'crossbar');
  const buckets = documents.filter((d) => kazooDocumentKind(d.json) === 'token_buckets');
  for (const [kind, found] of [['crossbar', crossbar], ['token_buckets', buckets]] as const) {
    if (found.length > 1) throw new RuleFileError(found[1]!.origin, '$._id', `a second "${kind}" document (also ${found[0]!.origin})`);
  }
  if (crossbar.length === 0 || buckets.length === 0) return [...documents];
  const pair = { origin: `${crossbar[0]!.origin} + ${buckets[0]!.origin}`, json: [crossbar[0]!.json, buckets[0]!.json] };
  return [...documents.filter((d) => d !== crossbar[0] && d !== buckets[0]), pair];
}

/** Joins rules from several sources, refusing a rule id used twice (naming both sources). */
export function combineRuleSets(rules: readonly Rule[], sources: readonly string[], lists: { allow: AccessList; deny: AccessList } = { allow: EMPTY_LIST, deny: EMPTY_LIST }): RuleSet {
  const byId = new Map<string, Rule>();
  for (const rule of rules) {
    const twin = byId.get(rule.id);
    if (twin) throw new RuleFileError(rule.source, '$', `rule id "${rule.id}" is already defined in ${twin.source}`);
    byId.set(rule.id, rule);
  }
  return Object.freeze({ rules: Object.freeze([...rules]), sources: Object.freeze([...sources]), version: ruleSetVersion(rules, lists), ...lists });
}

/**
 * A short hash of what the rules say (not where they came from), so that two instances that
 * loaded the same rules report the same version, and If-Match can name a set.
 */
export function ruleSetVersion(rules: readonly Rule[], lists: { allow: AccessList; deny: AccessList }): string {
  const listJson = (l: AccessList) => [[...l.exact].sort(), [...l.prefixes].sort()];
  const canonical = [...rules].sort((a, b) => (a.id < b.id ? -1 : 1)).map(({ source: _source, allow, deny, ...rule }) => ({ ...rule, allow: listJson(allow), deny: listJson(deny) }));
  const global = { allow: listJson(lists.allow), deny: listJson(lists.deny) };
  return createHash('sha256').update(JSON.stringify({ canonical, global })).digest('hex').slice(0, 16);
}
