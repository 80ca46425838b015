/**
 * Which rules guard a route. Built once per rule set; the lookup is a Map hit per request.
 * Rules match the route pattern the router resolved ("/v1/accounts/:id/calls"), never the raw
 * URL, so spellings of a path cannot select a different set of rules. A rule whose path ends in
 * "/*" guards every pattern under its prefix (rules/route-path.ts).
 */
import type { AccessList, Rule, RuleSet } from '../rules/rule.js';
import { isWildcardPath, rulePathCovers } from '../rules/route-path.js';

export interface RuleIndex {
  match(method: string, routePath: string): readonly Rule[];
  /** Paths rules name, as written ("/v1/*" included), to warn about rules for routes that do not exist (rulePathServed). */
  readonly paths: ReadonlySet<string>;
  /** A rule by its id (admin views). */
  byId(id: string): Rule | undefined;
  /** Lists that apply to every rule. */
  readonly allow: AccessList;
  readonly deny: AccessList;
  /** The version of the rule set it was built from (metrics: tollgate_rule_set_info). */
  readonly version: string;
}

export function createRuleIndex(ruleSet: RuleSet): RuleIndex {
  const byPath = new Map<string, Rule[]>();
  for (const rule of ruleSet.rules) {
    const list = byPath.get(rule.match.path) ?? [];
    list.push(rule);
    byPath.set(rule.match.path, list);
  }
  const hasWildcards = ruleSet.rules.some((rule) => isWildcardPath(rule.match.path));
  const cache = new Map<string, readonly Rule[]>();
  const none: readonly Rule[] = Object.freeze([]);
  const byId = new Map(ruleSet.rules.map((rule) => [rule.id, rule]));
  return {
    paths: new Set(byPath.keys()),
    allow: ruleSet.allow,
    deny: ruleSet.deny,
    version: ruleSet.version,
    byId: (id) => byId.get(id),
    match(method, routePath) {
      const cacheKey = `${method} ${routePath}`;
      let rules = cache.get(cacheKey);
      if (!rules) {
        const upper = method.toUpperCase();
        // With wildcards, every rule is tried once per (method, pattern), in rule-set order, so a
        // route's exact and wildcard rules keep the order they were loaded in.
        const candidates = hasWildcards ? ruleSet.rules.filter((r) => rulePathCovers(r.match.path, routePath)) : (byPath.get(routePath) ?? []);
        rules = candidates.filter((r) => r.match.methods === '*' || r.match.methods.includes(upper));
        if (rules.length === 0) rules = none;
        // Bounded: keys are (method, route pattern) pairs of routes that exist.
        cache.set(cacheKey, rules);
      }
      return rules;
    },
  };
}
