/**
 * Every second: has the settings revision moved (an admin changed a rule on any instance)? Then
 * reload. One single-row read per poll; the settings themselves are read only on a change. The
 * revision is remembered whether or not the reload succeeded: a set that does not validate stays
 * refused until something changes again, instead of being retried every second.
 */
import type { RulesInForce } from '../engine/rules-in-force.js';

export interface SettingsRevision {
  revision(): Promise<number>;
}

export function pollSettings(store: SettingsRevision, rules: RulesInForce, initialRevision: number): () => Promise<void> {
  let seen = initialRevision;
  return async () => {
    const revision = await store.revision();
    if (revision === seen) return;
    seen = revision;
    await rules.reload(`settings revision ${revision}`);
  };
}
