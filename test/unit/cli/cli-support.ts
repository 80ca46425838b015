/**
 * Runs `tollgate` two ways: the real bin as a child process (exit codes, output, the settings
 * read from a clean environment), and runCli in this process on a service composed around
 * memory stores the test holds (the memory store lives in one process, so counts seeded here
 * are only visible in-process).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock, type ManualClock } from '../../../src/clock.js';
import { loadSettings } from '../../../src/settings.js';
import { buildRuleSet } from '../../../src/rules/rule-source.js';
import { memoryStores } from '../../../src/store/memory/memory-stores.js';
import { createCliService, type CliService } from '../../../src/cli/cli-service.js';
import { runCli, type RunCliOptions } from '../../../src/cli/run-cli.js';

export const CLI_KEY_SECRET = 'cli-test-key-secret-cli-test-key-secret-0123';

export interface CliRun {
  code: number;
  out: string[];
  err: string[];
}

const lines = (text: string) => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));

/** The bin as a user runs it, with only PATH, HOME and `env` in its environment. */
export function runBin(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/tollgate.mjs', ...args],
      { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', KEY_SECRET: CLI_KEY_SECRET, ...env }, encoding: 'utf8' },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, out: lines(stdout), err: lines(stderr) }),
    );
  });
}

/** runCli in this process, on `service`. */
export async function runWith(service: CliService | undefined, argv: readonly string[], options: Partial<RunCliOptions> = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    io: { out: (line) => out.push(...line.split('\n')), err: (line) => err.push(...line.split('\n')) },
    env: { KEY_SECRET: CLI_KEY_SECRET },
    ...(service ? { openService: async () => service } : {}),
    ...options,
  });
  return { code, out, err };
}

export interface TestService {
  service: CliService;
  clock: ManualClock;
}

/** The service on memory stores with these rule documents; `close` is a no-op so a test can run several commands on it. */
export function memoryService(documents: readonly unknown[], env: Record<string, string> = {}): TestService {
  const clock = createManualClock(1_800_000_000_000);
  const settings = loadSettings({ KEY_SECRET: CLI_KEY_SECRET, ...env });
  const rules = buildRuleSet(documents.map((json, i) => ({ origin: `test-${i}.json`, json })));
  const service = createCliService({ settings, stores: memoryStores(clock), rules, clock });
  return { service: { ...service, close: async () => undefined }, clock };
}

/** A temporary directory holding these files. */
export function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-cli-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** A native rule document of one rule on POST /v1/signup keyed on the E.164 phone unless `extra` says otherwise. */
export function signupRule(id: string, limits: Array<[number, string]>, extra: Record<string, unknown> = {}): unknown {
  return {
    rules: [{ id, match: { method: 'POST', path: '/v1/signup' }, key: 'body.phone', normalize: 'e164', limits: limits.map(([count, window]) => ({ count, window })), ...extra }],
  };
}
