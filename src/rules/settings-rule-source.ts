/**
 * The system_settings table as a rule source: the notes' `throttling` document, Kazoo's
 * `crossbar` and `token_buckets` documents (system_config's names, verbatim), and native rule
 * documents in settings named "rule:<id>" (one rule, written by PUT /v1/admin/rules/:id) or
 * "rules:<name>" (a document of several). Other settings are not rules and are not read here.
 */
import { RuleFileError } from './rule-file-error.js';
import type { RuleDocument, RuleSource } from './rule-source.js';

/** What this source needs of the settings store (domains/settings's SettingsStore has it). */
export interface SettingsReader {
  list(): Promise<ReadonlyArray<{ name: string; value: string }>>;
}

export const THROTTLING_SETTING = 'throttling';
/** Names of settings that hold rule documents. */
export const RULE_SETTING_NAME = /^(throttling|crossbar|token_buckets|rules?:[A-Za-z0-9][A-Za-z0-9_.:/#-]{0,127})$/;

export const ruleSettingName = (ruleId: string) => `rule:${ruleId}`;
/** Where a setting's rules say they come from, in errors, logs and GET /v1/admin/rules. */
export const settingOrigin = (name: string) => `setting:${name}`;

export function createSettingsRuleSource(settings: SettingsReader): RuleSource {
  return {
    name: 'settings',
    async load(): Promise<RuleDocument[]> {
      const rows = (await settings.list()).filter((s) => RULE_SETTING_NAME.test(s.name)).sort((a, b) => (a.name < b.name ? -1 : 1));
      return rows.map((row) => ({ origin: settingOrigin(row.name), json: parseSetting(row.name, row.value) }));
    },
  };
}

export function parseSetting(name: string, value: string): unknown {
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new RuleFileError(settingOrigin(name), '$', `invalid JSON: ${(error as Error).message}`);
  }
}
