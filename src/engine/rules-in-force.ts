/**
 * The rules in force on this instance, and the one path that changes them: load every source,
 * validate the combined set with the one parser, and swap the index in one assignment, so that
 * no request ever sees half a set. On any failure the previous set stays and the failure is kept
 * for GET /v1/admin/rules and counted. Reloads run one at a time, in the order asked, so a slow
 * reload can never overwrite a newer one. Who asks: start-up, SIGHUP, the RULES_DIR watcher,
 * the settings poll, and an admin change on this instance.
 */
import type { Clock } from '../clock.js';
import type { RuleSet } from '../rules/rule.js';
import { RuleFileError } from '../rules/rule-file-error.js';
import { buildRuleSet, type RuleDocument, type RuleSource } from '../rules/rule-source.js';
import { createRuleIndex, type RuleIndex } from './rule-index.js';

export type ReloadResult = { ok: true; set: RuleSet; changed: boolean } | { ok: false; error: Error };

export interface ReloadStatus {
  version: string;
  loadedAtMs: number;
  sources: readonly string[];
  reloads: { ok: number; failed: number };
  lastFailure?: { atMs: number; reason: string; message: string; file?: string; path?: string };
}

export interface RulesInForce {
  index(): RuleIndex;
  set(): RuleSet;
  status(): ReloadStatus;
  /** Loads every source now; `reason` goes to the log line. */
  reload(reason: string): Promise<ReloadResult>;
  /** The documents every source holds now, with the change applied: what a change would make (admin validation). */
  documentsNow(): Promise<RuleDocument[]>;
}

export interface RulesInForceDeps {
  sources: readonly RuleSource[];
  clock: Clock;
  /** Told about every reload, for the log. */
  onReload?: (reason: string, result: ReloadResult) => void;
}

/** Loads the first set; throws (RuleFileError) if it does not validate: a service never starts on no rules. */
export async function createRulesInForce(deps: RulesInForceDeps): Promise<RulesInForce> {
  const loadAll = async () => (await Promise.all(deps.sources.map((source) => source.load()))).flat();
  let set = buildRuleSet(await loadAll());
  let index = createRuleIndex(set);
  const status: ReloadStatus = { version: set.version, loadedAtMs: deps.clock(), sources: deps.sources.map((s) => s.name), reloads: { ok: 0, failed: 0 } };
  let queue: Promise<unknown> = Promise.resolve();

  async function reloadNow(reason: string): Promise<ReloadResult> {
    let result: ReloadResult;
    try {
      const next = buildRuleSet(await loadAll());
      const changed = next.version !== set.version || next.sources.join('\n') !== set.sources.join('\n');
      if (changed) {
        // The swap: one assignment each; a request reads index() once per decision.
        set = next;
        index = createRuleIndex(next);
        status.version = next.version;
        status.loadedAtMs = deps.clock();
      }
      status.reloads.ok++;
      result = { ok: true, set: next, changed };
    } catch (error) {
      status.reloads.failed++;
      const failure = error as Error;
      status.lastFailure = {
        atMs: deps.clock(),
        reason,
        message: failure.message,
        ...(failure instanceof RuleFileError ? { file: failure.file, path: failure.path } : {}),
      };
      result = { ok: false, error: failure };
    }
    deps.onReload?.(reason, result);
    return result;
  }

  return {
    index: () => index,
    set: () => set,
    status: () => structuredClone(status),
    reload(reason) {
      const run = queue.then(() => reloadNow(reason));
      queue = run.catch(() => undefined);
      return run;
    },
    documentsNow: loadAll,
  };
}
