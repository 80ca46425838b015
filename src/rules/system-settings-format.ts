/**
 * The design notes' system_settings document, accepted verbatim:
 *   {"api": {"/user/v1/create": [{"caller": "phone", "request-count": 20, "time": 60}, ...]}}
 * `time` is in minutes. Entries of one API with the same caller become one rule with several
 * limits (20 per hour AND 100 per day), as the notes intend.
 */
import type { NativeRuleJson } from './rule-schema.js';
import { RuleFileError } from './rule-file-error.js';

export interface SystemSettingsDocument {
  api: Record<string, Array<{ caller: Caller; 'request-count': number; time: number }>>;
}
type Caller = 'phone' | 'email' | 'userId' | 'token';

/** What each caller kind of the notes reads, and how it is normalised. */
const callerKeys: Record<Caller, Pick<NativeRuleJson, 'key' | 'normalize'>> = {
  phone: { key: 'body.phone', normalize: 'e164' },
  email: { key: 'body.email', normalize: 'email' },
  userId: { key: 'body.userId' },
  token: { key: 'token' },
};

export function fromSystemSettings(source: string, doc: SystemSettingsDocument): Array<{ at: string; rule: NativeRuleJson }> {
  const out: Array<{ at: string; rule: NativeRuleJson }> = [];
  for (const [api, entries] of Object.entries(doc.api)) {
    const at = `$.api[${JSON.stringify(api)}]`;
    const byCaller = new Map<Caller, NativeRuleJson>();
    entries.forEach((entry, i) => {
      const rule = byCaller.get(entry.caller) ?? {
        id: `${api}#${entry.caller}`,
        match: { path: api },
        ...callerKeys[entry.caller],
        limits: [],
      };
      if (rule.limits.some((limit) => typeof limit === 'object' && 'window' in limit && limit.window === `${entry.time}m`)) {
        throw new RuleFileError(source, `${at}[${i}].time`, `caller "${entry.caller}" already has a limit over ${entry.time} minutes`);
      }
      rule.limits.push({ count: entry['request-count'], window: `${entry.time}m` });
      if (!byCaller.has(entry.caller)) {
        byCaller.set(entry.caller, rule);
        out.push({ at, rule });
      }
    });
  }
  return out;
}
