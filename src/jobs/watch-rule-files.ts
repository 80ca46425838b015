/**
 * Hot reload of RULES_DIR: a change to any *.json in it (added, edited, deleted, renamed) reloads
 * the rules, after a quiet period, because editors write a file in several steps (truncate, write,
 * rename a swap file) and a reload in between would see a half-written file. A file that does not
 * validate is refused by the reload path (the last good rules stay); the next save retries.
 */
import { watch, type FSWatcher } from 'node:fs';

export interface RuleFileWatcher {
  close(): void;
}

export function watchRuleFiles(dir: string, reload: (reason: string) => void, quietMs = 300): RuleFileWatcher {
  let timer: NodeJS.Timeout | undefined;
  const changed = new Set<string>();
  const watcher: FSWatcher = watch(dir, (_event, file) => {
    const name = file?.toString();
    if (name !== undefined && !name.endsWith('.json')) return;
    if (name) changed.add(name);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const files = [...changed].sort().join(', ');
      changed.clear();
      reload(`rule files changed: ${files || dir}`);
    }, quietMs);
  });
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
