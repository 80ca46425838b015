import { mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../../src/clock.js';
import { createRulesInForce, type ReloadResult } from '../../../src/engine/rules-in-force.js';
import { watchRuleFiles, type RuleFileWatcher } from '../../../src/jobs/watch-rule-files.js';
import { createFileRuleSource } from '../../../src/rules/load-rule-files.js';

const doc = (id: string, count: number) => JSON.stringify({ rules: [{ id, match: { path: '/v1/signup' }, key: 'body.phone', limits: [{ count, window: '1h' }] }] });

/** Waits (bounded) until `check` holds: file events arrive when the OS delivers them. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`never happened: ${what}`);
}

let dir: string;
let watcher: RuleFileWatcher | undefined;
afterEach(() => {
  watcher?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('hot reload of RULES_DIR', () => {
  it('applies an added, edited and deleted file without a restart, and keeps the last good rules over a broken one', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-rules-'));
    writeFileSync(join(dir, 'a.json'), doc('a', 5));
    const reloads: ReloadResult[] = [];
    const rules = await createRulesInForce({ sources: [createFileRuleSource(dir)], clock: createManualClock(0), onReload: (_, r) => reloads.push(r) });
    watcher = watchRuleFiles(dir, (reason) => void rules.reload(reason), 50);
    const ids = () => rules.set().rules.map((r) => `${r.id}:${r.limits[0]!.count}`).sort().join(',');

    writeFileSync(join(dir, 'b.json'), doc('b', 3));
    await eventually(() => ids() === 'a:5,b:3', 'b.json added');
    writeFileSync(join(dir, 'a.json'), doc('a', 7));
    await eventually(() => ids() === 'a:7,b:3', 'a.json edited');
    unlinkSync(join(dir, 'b.json'));
    await eventually(() => ids() === 'a:7', 'b.json deleted');

    writeFileSync(join(dir, 'a.json'), JSON.stringify({ rules: [{ id: 'a', match: { path: '/v1/signup' }, key: 'body.phone', limits: [{ count: 0, window: '1h' }] }] }));
    await eventually(() => rules.status().reloads.failed > 0, 'the broken file refused');
    expect(ids()).toBe('a:7');
    expect(rules.status().lastFailure).toMatchObject({ file: join(dir, 'a.json'), path: '$.rules[0].limits[0].count', message: expect.stringContaining('must be >= 1') });
    expect(reloads.at(-1)).toMatchObject({ ok: false });
  });
});
