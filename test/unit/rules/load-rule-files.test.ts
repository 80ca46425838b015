import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRuleFiles } from '../../../src/rules/load-rule-files.js';

const dirWith = (files: Record<string, string>) => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-rules-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
};
const rule = (id: string) => JSON.stringify({ rules: [{ id, match: { path: '/v1/signup' }, key: 'body.phone', limits: [{ count: 1, window: '1h' }] }] });

describe('loadRuleFiles', () => {
  it('loads every *.json of the directory in name order, and nothing else', async () => {
    const dir = dirWith({ 'b.json': rule('b'), 'a.json': rule('a'), 'notes.txt': 'not rules' });
    const set = await loadRuleFiles(dir);
    expect(set.rules.map((r) => r.id)).toEqual(['a', 'b']);
    expect(set.sources).toEqual([join(dir, 'a.json'), join(dir, 'b.json')]);
    expect(Object.isFrozen(set.rules)).toBe(true);
  });

  it('refuses malformed JSON, naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-rules-'));
    copyFileSync('test/fixtures/rules/invalid/not-json.json', join(dir, 'not-json.json'));
    await expect(loadRuleFiles(dir)).rejects.toThrow(
      `${join(dir, 'not-json.json')}: $: invalid JSON: Expected ',' or '}' after property value in JSON at position 25`,
    );
  });

  it('refuses a rule id defined in two files', async () => {
    const dir = dirWith({ 'a.json': rule('same'), 'b.json': rule('same') });
    await expect(loadRuleFiles(dir)).rejects.toThrow(`${join(dir, 'b.json')}: $: rule id "same" is already defined in ${join(dir, 'a.json')}`);
  });

  it('refuses a directory that does not exist', async () => {
    await expect(loadRuleFiles('/nonexistent/rules')).rejects.toThrow(/^\/nonexistent\/rules: \$: cannot read the rules directory: ENOENT/);
  });

  it('loads the shipped rules directory', async () => {
    const set = await loadRuleFiles('rules');
    expect(set.sources).toEqual(['accounts', 'calls', 'cdrs', 'conferences', 'signup'].map((name) => `rules/${name}.json`));
    expect(set.rules.map((r) => r.id)).toEqual(expect.arrayContaining(['signup-per-phone', 'signup-per-email', 'auth-failures-per-ip', 'calls-created-per-account', 'cdr-exports-per-account']));
  });
});
