import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliCommands } from '../../../src/cli/run-cli.js';
import { EXIT_CODES_HELP } from '../../../src/cli/cli-errors.js';
import { CLI_KEY_SECRET, dirWith, runBin, runWith, signupRule } from './cli-support.js';

describe('tollgate --help and exit codes', () => {
  it('documents every command and the exit codes in tollgate --help (the bin, exit 0)', async () => {
    const run = await runBin(['--help']);
    expect(run.code).toBe(0);
    expect(run.out[0]).toBe('Usage: tollgate <command> [arguments] [--help]');
    for (const command of ['rules validate', 'rules explain', 'usage show', 'usage reset', 'prune']) expect(run.out.some((line) => line.startsWith(`  ${command}  `))).toBe(true);
    expect(run.out.slice(-5)).toEqual(EXIT_CODES_HELP.split('\n'));
    expect(run.err).toEqual([]);
  });

  it.each(cliCommands(undefined).map((c) => c.words.join(' ')))('%s --help prints its usage and the exit codes (exit 0)', async (words) => {
    const run = await runWith(undefined, [...words.split(' '), '--help']);
    expect(run.code).toBe(0);
    expect(run.out[0]).toMatch(new RegExp(`^Usage: tollgate ${words}\\b`));
    expect(run.out.join('\n')).toContain(EXIT_CODES_HELP);
    expect(run.err).toEqual([]);
  });

  it('prints a group\'s commands with `rules --help` and `help usage show` as `usage show --help`', async () => {
    expect((await runWith(undefined, ['rules', '--help'])).out.filter((line) => /^ {2}rules /.test(line))).toHaveLength(2);
    expect((await runWith(undefined, ['help', 'usage', 'show'])).out).toEqual((await runWith(undefined, ['usage', 'show', '-h'])).out);
  });

  it.each([
    [[], 'tollgate: missing command', "Run 'tollgate --help' for usage."],
    [['frob'], 'tollgate: unknown command "frob"', "Run 'tollgate --help' for usage."],
    [['rules'], 'tollgate: rules: missing command (one of validate, explain)', "Run 'tollgate --help' for usage."],
    [['usage', 'erase'], 'tollgate: usage: unknown command "erase" (one of show, reset)', "Run 'tollgate --help' for usage."],
    [['rules', 'validate', '--strict'], "tollgate: Unknown option '--strict'", "Run 'tollgate rules validate --help' for usage."],
    [['rules', 'validate', 'a', 'b'], 'tollgate: unexpected argument "b": rules validate takes 0 to 1 arguments', "Run 'tollgate rules validate --help' for usage."],
    [['usage', 'show', 'signup-per-phone'], 'tollgate: missing argument: usage show takes at least 2 argument(s)', "Run 'tollgate usage show --help' for usage."],
    [['rules', 'explain', '--method', 'POST'], 'tollgate: missing option --path', "Run 'tollgate rules explain --help' for usage."],
    [['rules', 'explain', '--path', '/v1/signup', '--header', 'no-colon'], 'tollgate: --header must be name:value, got "no-colon"', "Run 'tollgate rules explain --help' for usage."],
    [['rules', 'explain', '--path', '/v1/signup', '--ip', '1.2.3'], 'tollgate: --ip is not an IPv4 or IPv6 address: 1.2.3', "Run 'tollgate rules explain --help' for usage."],
    [['prune', '--dry-run=yes'], "tollgate: Option '--dry-run' does not take an argument", "Run 'tollgate prune --help' for usage."],
  ])('%j is a usage error: exit 2, said on stderr', async (argv, message, hint) => {
    expect(await runWith(undefined, argv)).toEqual({ code: 2, out: [], err: [message, hint] });
  });

  it('exits 2 on invalid settings, naming each problem', async () => {
    const run = await runBin(['rules', 'validate', 'rules'], { PORT: 'eighty', KEY_SECRET: 'short' });
    expect(run).toEqual({ code: 2, out: [], err: ['tollgate: Invalid settings:', '  - KEY_SECRET: too short (5 characters; at least 32)', '  - PORT="eighty": expected a whole number from 0 to 65535'] });
  });

  it('exits 1 when the rules the service would load do not load', async () => {
    const dir = dirWith({ 'signup.json': JSON.stringify(signupRule('r', [[5, '5 minutes']])) });
    const run = await runBin(['usage', 'show', 'r', 'k'], { RULES_DIR: dir });
    expect(run.code).toBe(1);
    expect(run.out).toEqual([]);
    expect(run.err).toEqual([`tollgate: the rules do not load: ${join(dir, 'signup.json')}: $.rules[0].limits[0].window: "5 minutes" is not a duration; write e.g. "90s", "5m", "1h", "24h" or "7d"`]);
  });

  it('exits 3 when Cassandra cannot be reached', async () => {
    const run = await runBin(['usage', 'show', 'signup-per-phone', '+14155551212'], { CASSANDRA_CONTACT_POINTS: '127.0.0.1:1' });
    expect(run.code).toBe(3);
    expect(run.out).toEqual([]);
    expect(run.err).toHaveLength(1);
    expect(run.err[0]).toMatch(/^tollgate: store unreachable: cannot reach Cassandra at 127\.0\.0\.1:1 \(keyspace tollgate\): .*ECONNREFUSED/);
  });

  it('keeps `npm run calls -- [--reset] <rule> <key>` working, as usage show or reset in JSON', async () => {
    const run = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(process.execPath, ['--import', 'tsx', 'scripts/calls.ts', 'signup-per-phone', '(415) 555-1212'], { env: { PATH: process.env.PATH ?? '', KEY_SECRET: CLI_KEY_SECRET } }, (error, stdout) =>
        resolve({ code: error ? Number(error.code) : 0, stdout }),
      ),
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ rule: 'signup-per-phone', next: 'admitted' });
  });
});
