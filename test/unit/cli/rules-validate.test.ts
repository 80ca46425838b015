import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRuleFiles } from '../../../src/rules/load-rule-files.js';
import { RuleFileError } from '../../../src/rules/rule-file-error.js';
import { dirWith, runBin, signupRule } from './cli-support.js';

const INVALID = 'test/fixtures/rules/invalid';
const fixtures = readdirSync(INVALID).filter((name) => name.endsWith('.json')).sort();
const json = (value: unknown) => JSON.stringify(value);

/** The service's own refusal of one file, as `file: $.path: reason` for that file in `dir`. */
async function serviceRefusal(name: string, dir: string): Promise<string> {
  const alone = dirWith({});
  copyFileSync(join(INVALID, name), join(alone, name));
  const error = await loadRuleFiles(alone).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof RuleFileError)) throw new Error(`${name} loads: it is not an invalid fixture`);
  return `${join(dir, name)}: ${error.path}: ${error.reason}`;
}

describe('tollgate rules validate', () => {
  it('reports every bad file on its own line, as the service words it, and exits 1', async () => {
    const dir = dirWith({});
    for (const name of fixtures) copyFileSync(join(INVALID, name), join(dir, name));
    const run = await runBin(['rules', 'validate', dir]);
    expect(run.code).toBe(1);
    expect(run.out).toEqual(await Promise.all(fixtures.map((name) => serviceRefusal(name, dir))));
    expect(run.out).toContain(`${join(dir, 'bad-window.json')}: $.rules[0].limits[0].window: "5 minutes" is not a duration; write e.g. "90s", "5m", "1h", "24h" or "7d"`);
    expect(run.err).toEqual([`rules invalid: ${fixtures.length} problem(s) in ${dir}`]);
  });

  it('checks the good files together for an id defined twice, after the bad files', async () => {
    const dir = dirWith({
      'a.json': json(signupRule('same', [[5, '1h']])),
      'b.json': json(signupRule('same', [[9, '1d']])),
      'c.json': '{"rules": [',
      'd.json': json(signupRule('d', [[5, '5 minutes']])),
    });
    const run = await runBin(['rules', 'validate', dir]);
    expect(run.code).toBe(1);
    expect(run.out).toEqual([
      `${join(dir, 'c.json')}: $: invalid JSON: Unexpected end of JSON input`,
      `${join(dir, 'd.json')}: $.rules[0].limits[0].window: "5 minutes" is not a duration; write e.g. "90s", "5m", "1h", "24h" or "7d"`,
      `${join(dir, 'b.json')}: $: rule id "same" is already defined in ${join(dir, 'a.json')}`,
    ]);
  });

  it('summarises a good directory: files, rule count and the rules of each route; exit 0', async () => {
    const dir = dirWith({
      'a.json': json({
        rules: [
          { id: 'per-phone', match: { method: 'POST', path: '/v1/signup' }, key: 'body.phone', normalize: 'e164', limits: [{ count: 5, window: '1h' }] },
          { id: 'per-account', match: { path: '/v1/accounts/:accountId/calls' }, key: 'param.accountId', limits: [{ count: 60, window: '1m' }] },
        ],
      }),
      'b.json': json(signupRule('per-email', [[5, '1h']], { key: 'body.email', normalize: 'email' })),
      'notes.txt': 'not a rule file',
    });
    const { version } = await loadRuleFiles(dir);
    const run = await runBin(['rules', 'validate', dir]);
    expect(run).toEqual({
      code: 0,
      out: [
        `ok: 3 rules in 2 files (version ${version})`,
        `  ${join(dir, 'a.json')}: 2 rules`,
        `  ${join(dir, 'b.json')}: 1 rules`,
        'rules per route:',
        '  POST /v1/signup: per-phone, per-email',
        '  * /v1/accounts/:accountId/calls: per-account',
      ],
      err: [],
    });
  });

  it('reads RULES_DIR when no directory is given, and accepts a rule for a route this build does not serve, with a warning', async () => {
    const dir = dirWith({ 'a.json': json({ rules: [{ id: 'nowhere', match: { path: '/v1/nowhere' }, key: 'ip', limits: [{ count: 1, window: '1h' }] }] }) });
    const run = await runBin(['rules', 'validate'], { RULES_DIR: dir });
    expect(run.code).toBe(0);
    expect(run.out[0]).toMatch(/^ok: 1 rules in 1 files \(version [0-9a-f]{16}\)$/);
    expect(run.err).toEqual([`warning: ${join(dir, 'a.json')}: rule nowhere matches no route of this build (/v1/nowhere); it will not apply`]);
  });

  it('counts a wildcard rule as routed when some route is under it, and warns about one under which none is', async () => {
    const dir = dirWith({
      'a.json': json({
        rules: [
          { id: 'crossbar', match: { path: '/v1/*' }, limits: [{ kind: 'bucket' }] },
          { id: 'per-account', match: { path: '/v1/accounts/:accountId/*' }, key: 'param.accountId', limits: [{ count: 60, window: '1m' }] },
          { id: 'v9', match: { path: '/v9/*' }, key: 'ip', limits: [{ count: 1, window: '1h' }] },
        ],
      }),
    });
    const run = await runBin(['rules', 'validate', dir]);
    expect(run.code).toBe(0);
    expect(run.err).toEqual([`warning: ${join(dir, 'a.json')}: rule v9 matches no route of this build (/v9/*); it will not apply`]);
  });

  it('prints the report as JSON with --json', async () => {
    const good = dirWith({ 'a.json': json(signupRule('per-phone', [[5, '1h']])) });
    const ok = await runBin(['rules', 'validate', good, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out.join('\n'))).toMatchObject({ ok: true, dir: good, rules: 1, files: [{ file: join(good, 'a.json'), rules: 1 }], routes: [{ methods: 'POST', path: '/v1/signup', rules: ['per-phone'] }], unrouted: [] });

    const bad = dirWith({ 'a.json': json(signupRule('r', [[0, '1h']])) });
    const refused = await runBin(['rules', 'validate', '--json', bad]);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.out.join('\n'))).toEqual({ ok: false, dir: bad, problems: [{ file: join(bad, 'a.json'), path: '$.rules[0].limits[0].count', reason: 'must be >= 1' }] });
  });

  it('refuses a directory that cannot be read (exit 1), and validates the shipped rules (exit 0)', async () => {
    const missing = await runBin(['rules', 'validate', '/nonexistent/rules']);
    expect(missing.code).toBe(1);
    expect(missing.out).toHaveLength(1);
    expect(missing.out[0]).toMatch(/^\/nonexistent\/rules: \$: cannot read the rules directory: ENOENT/);

    const shipped = await runBin(['rules', 'validate', 'rules']);
    expect(shipped.code).toBe(0);
    expect(shipped.out[0]).toMatch(/^ok: \d+ rules in \d+ files/);
    expect(shipped.out).toContain('  POST /v1/signup: signup-per-phone, signup-per-email');
    expect(shipped.err).toEqual([]);
  });
});
