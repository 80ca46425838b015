/**
 * Live rule administration: one native rule (setting "rule:<id>") or a whole rule document
 * (`throttling` in the notes' format, "rules:<name>") changed through the settings store. A change
 * is validated exactly as files are, against every source as it is now (so an id already used by
 * a file is refused naming the file), written with compare-and-set on the settings revision, and
 * audited; this instance reloads at once, the others within a poll (jobs/poll-settings.ts).
 * If-Match names the rule-set version the admin last saw: a stale one answers 412, as does a
 * write that loses the compare-and-set to a concurrent one.
 */
import type { Clock } from '../../clock.js';
import { TollgateError, notFound } from '../../errors.js';
import type { RulesInForce } from '../../engine/rules-in-force.js';
import { RuleFileError } from '../../rules/rule-file-error.js';
import { buildRuleSet, type RuleDocument } from '../../rules/rule-source.js';
import { RULE_SETTING_NAME, parseSetting, ruleSettingName, settingOrigin } from '../../rules/settings-rule-source.js';
import type { SettingsStore } from './settings-store.js';

export interface RuleAdminDeps {
  store: SettingsStore;
  rules: RulesInForce;
  clock: Clock;
  /** Shadow-mode refusals per rule on this instance. */
  shadowCounts?: () => Record<string, number>;
}

export interface ChangeResult {
  /** The rule-set version in force after the change (the next If-Match). */
  version: string;
  revision: number;
}

const ATTEMPTS = 3;

export function createRuleAdmin(deps: RuleAdminDeps) {
  /** Validates and writes one setting change; `value` null deletes. `pathPrefix` maps a stored document's JSONPath back to what was sent. */
  async function change(name: string, value: string | null, subject: string, who: string, ifMatch: string | undefined, pathPrefix = ''): Promise<ChangeResult> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const revision = await deps.store.revision();
      const documents = await deps.rules.documentsNow();
      const before = versionOf(documents);
      if (ifMatch !== undefined && ifMatch !== before) {
        throw new TollgateError('PRECONDITION_FAILED', `If-Match "${ifMatch}" is not the rule-set version in force ("${before}"); read it again and retry`);
      }
      const origin = settingOrigin(name);
      const candidate = documents.filter((doc) => doc.origin !== origin);
      if (value !== null) candidate.push({ origin, json: parseSetting(name, value) });
      const after = validate(candidate, origin, pathPrefix);
      const previous = await deps.store.get(name);
      const written = await deps.store.write({
        name,
        value,
        expectedRevision: revision,
        audit: { atMs: deps.clock(), who, name, subject, oldHash: before, newHash: after, before: previous?.value ?? null, after: value },
      });
      if (written.applied) {
        await deps.rules.reload(`admin ${who}: ${subject}`);
        return { version: after, revision: written.revision };
      }
      if (ifMatch !== undefined) throw new TollgateError('PRECONDITION_FAILED', 'Another change was written first; read the rules again and retry');
    }
    throw new TollgateError('PRECONDITION_FAILED', `Settings kept changing under ${ATTEMPTS} attempts; retry`);
  }

  return {
    /** The rules in force, where each came from, and the reload status. */
    list() {
      const set = deps.rules.set();
      const shadow = deps.shadowCounts?.() ?? {};
      return {
        ...deps.rules.status(),
        rules: set.rules.map((r) => ({ id: r.id, source: r.source, mode: r.mode, ...(r.mode === 'shadow' ? { shadowRefusals: shadow[r.id] ?? 0 } : {}), definition: r.definition })),
      };
    },

    get(id: string) {
      const rule = deps.rules.index().byId(id);
      if (!rule) throw notFound(`Rule "${id}"`);
      return { version: deps.rules.set().version, rule: { id: rule.id, source: rule.source, definition: rule.definition } };
    },

    async put(id: string, definition: Record<string, unknown>, who: string, ifMatch?: string): Promise<ChangeResult> {
      if (definition.id !== undefined && definition.id !== id) throw new TollgateError('INVALID_RULE', `id must be "${id}", the id in the path`, { field: '$.id' });
      return change(ruleSettingName(id), JSON.stringify({ rules: [{ ...definition, id }] }), `rule ${id}`, who, ifMatch, '$.rules[0]');
    },

    async remove(id: string, who: string, ifMatch?: string): Promise<ChangeResult> {
      const name = ruleSettingName(id);
      if (!(await deps.store.get(name))) {
        const rule = deps.rules.index().byId(id);
        if (rule) throw new TollgateError('STATE_CONFLICT', `Rule "${id}" is defined in ${rule.source}, not by the admin API; change it there`);
        throw notFound(`Rule "${id}"`);
      }
      return change(name, null, `rule ${id}`, who, ifMatch);
    },

    async getSetting(name: string) {
      const setting = RULE_SETTING_NAME.test(name) ? await deps.store.get(name) : undefined;
      if (!setting) throw notFound(`Setting "${name}"`);
      return { name, value: JSON.parse(setting.value) as unknown, version: setting.version, updatedBy: setting.updatedBy, updatedAtMs: setting.updatedAtMs };
    },

    async putSetting(name: string, value: unknown, who: string, ifMatch?: string): Promise<ChangeResult> {
      if (!RULE_SETTING_NAME.test(name)) throw new TollgateError('INVALID_REQUEST', 'setting names are "throttling", "crossbar", "token_buckets", "rule:<id>" or "rules:<name>"', { field: 'name' });
      return change(name, JSON.stringify(value), `setting ${name}`, who, ifMatch);
    },

    audit: (pageSize: number, position?: unknown) => deps.store.audit(deps.clock(), pageSize, position),
  };
}

export type RuleAdmin = ReturnType<typeof createRuleAdmin>;

function versionOf(documents: RuleDocument[]): string {
  try {
    return buildRuleSet(documents).version;
  } catch {
    // A broken file is not in force; whatever the admin saw, it was not this.
    return 'invalid';
  }
}

/** The version the candidate set would have; 400 INVALID_RULE with the JSON path and reason if it does not validate. */
function validate(candidate: RuleDocument[], origin: string, pathPrefix: string): string {
  try {
    return buildRuleSet(candidate).version;
  } catch (error) {
    if (!(error instanceof RuleFileError)) throw error;
    const path = error.file === origin && pathPrefix && error.path.startsWith(pathPrefix) ? `$${error.path.slice(pathPrefix.length)}` : error.path;
    const where = error.file === origin ? '' : ` (in ${error.file})`;
    throw new TollgateError('INVALID_RULE', `${path}: ${error.reason}${where}`, { field: path });
  }
}
