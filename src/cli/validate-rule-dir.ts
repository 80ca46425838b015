/**
 * validateRuleDir(dir): the rule files of a directory checked as the service loads them
 * (loadRuleFiles), and when they fail, checked again file by file so that every bad file is
 * reported, not only the first: each file alone, then the good files together (an id defined
 * in two of them), with the parser the service uses (buildRuleSet). Success is decided by loadRuleFiles alone, so a directory this accepts
 * is one the service starts on (RULES_DIR's part of it: rules kept in system_settings join them
 * there, and an id defined in both is refused then).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuleSet } from '../rules/rule.js';
import { loadRuleFiles } from '../rules/load-rule-files.js';
import { buildRuleSet, type RuleDocument } from '../rules/rule-source.js';
import { RuleFileError } from '../rules/rule-file-error.js';

export type RuleDirReport =
  | { ok: true; set: RuleSet }
  /** One problem per bad file (and one for an id defined twice), in file order. */
  | { ok: false; problems: RuleFileError[] };

export async function validateRuleDir(dir: string): Promise<RuleDirReport> {
  try {
    return { ok: true, set: await loadRuleFiles(dir) };
  } catch (error) {
    if (!(error instanceof RuleFileError)) throw error;
    const problems = await fileByFile(dir);
    // Should the file-by-file pass find nothing, the service's own refusal still stands.
    return { ok: false, problems: problems.length > 0 ? problems : [error] };
  }
}

async function fileByFile(dir: string): Promise<RuleFileError[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  } catch {
    return [];
  }
  const problems: RuleFileError[] = [];
  const good: RuleDocument[] = [];
  const collect = (check: () => void) => {
    try {
      check();
    } catch (error) {
      if (!(error instanceof RuleFileError)) throw error;
      problems.push(error);
    }
  };
  for (const name of names) {
    const origin = join(dir, name);
    const text = await readFile(origin, 'utf8');
    collect(() => {
      const document = { origin, json: parseJson(origin, text) };
      buildRuleSet([document]);
      good.push(document);
    });
  }
  collect(() => buildRuleSet(good));
  return problems;
}

/** As the file source words it (rules/load-rule-files.ts). */
function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RuleFileError(file, '$', `invalid JSON: ${(error as Error).message}`);
  }
}
