/**
 * The rule files of a directory: every *.json in it (sorted by name, so the order is stable; files
 * in subfolders are not loaded). As a RuleSource for the reload path, and loadRuleFiles(dir) for
 * callers that want the validated set at once (start-up, `tollgate rules validate`). All files
 * are parsed and checked together: a caller gets a complete, valid set or a RuleFileError.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuleSet } from './rule.js';
import { RuleFileError } from './rule-file-error.js';
import { buildRuleSet, type RuleDocument, type RuleSource } from './rule-source.js';

export { combineRuleSets } from './rule-source.js';

export function createFileRuleSource(dir: string): RuleSource {
  return {
    name: `files:${dir}`,
    async load(): Promise<RuleDocument[]> {
      let names: string[];
      try {
        names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
      } catch (error) {
        throw new RuleFileError(dir, '$', `cannot read the rules directory: ${(error as Error).message}`);
      }
      const documents: RuleDocument[] = [];
      for (const name of names) {
        const file = join(dir, name);
        documents.push({ origin: file, json: parseJson(file, await readFile(file, 'utf8')) });
      }
      return documents;
    },
  };
}

export async function loadRuleFiles(dir: string): Promise<RuleSet> {
  return buildRuleSet(await createFileRuleSource(dir).load());
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RuleFileError(file, '$', `invalid JSON: ${(error as Error).message}`);
  }
}
