/**
 * Reads every *.json in a directory (sorted by name, so the order is stable) into one RuleSet.
 * All files are parsed and checked together before anything is returned: a caller either gets a
 * complete, valid set or a RuleFileError, and keeps its previous set in the second case.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Rule, RuleSet } from './rule.js';
import { RuleFileError } from './rule-file-error.js';
import { parseRules } from './parse-rules.js';

export async function loadRuleFiles(dir: string): Promise<RuleSet> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  } catch (error) {
    throw new RuleFileError(dir, '$', `cannot read the rules directory: ${(error as Error).message}`);
  }
  const rules: Rule[] = [];
  const sources: string[] = [];
  for (const name of names) {
    const file = join(dir, name);
    const text = await readFile(file, 'utf8');
    rules.push(...parseRules(file, parseJson(file, text)));
    sources.push(file);
  }
  return combineRuleSets(rules, sources);
}

/** Joins rules from several sources, refusing a rule id used twice. */
export function combineRuleSets(rules: readonly Rule[], sources: readonly string[]): RuleSet {
  const byId = new Map<string, Rule>();
  for (const rule of rules) {
    const twin = byId.get(rule.id);
    if (twin) throw new RuleFileError(rule.source, '$', `rule id "${rule.id}" is already defined in ${twin.source}`);
    byId.set(rule.id, rule);
  }
  return Object.freeze({ rules: Object.freeze([...rules]), sources: Object.freeze([...sources]) });
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RuleFileError(file, '$', `invalid JSON: ${(error as Error).message}`);
  }
}
