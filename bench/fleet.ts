/**
 * The servers of a run and how each is started: the service itself (node dist/main.js, exactly
 * as deployed) with the bench's rule files, and the comparison servers (run through tsx, which
 * only strips types at load time). Every server keeps its signups in its own bench keyspace, so
 * the node's per-keyspace counters tell which server did what.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, startServer, type ServerProcess } from './server-process.js';

/** The service's KEY_SECRET in the bench; key-population.ts hashes pre-populated callers with it. */
export const BENCH_KEY_SECRET = 'tollgate-bench-key-secret-not-for-production-0123';

/** The rule id of the signup rule, i.e. the calls table's api column. */
export const SIGNUP_RULE_ID = 'signup-per-phone';

/** rules/signup.json's phone limits: 5 per hour and 30 per 24 hours. */
export const SIGNUP_LIMITS = [
  { count: 5, window: '1h' },
  { count: 30, window: '24h' },
];

/** The rule id of the over-admission test's rule (one window of BENCH_RACE_LIMIT per hour). */
export const RACE_RULE_ID = 'bench-race';

export const KEYSPACES = {
  baseline: 'tollgate_bench_base',
  ours: 'tollgate_bench',
  peer: 'tollgate_bench_peer',
  naive: 'tollgate_bench_naive',
  race: 'tollgate_bench_race',
  limit100: 'tollgate_bench_l100',
  keys: 'tollgate_bench_keys',
} as const;

export interface RulesDirs {
  /** No rule files: throttling off (the baseline). */
  none: string;
  /** rules/signup.json's phone rule: 5 per hour and 30 per 24 hours. */
  signup: string;
  /** One window of `raceLimit` per hour, for the over-admission test. */
  race: string;
}

/** A rule file with one rule shaped like rules/signup.json's phone rule, with the given limits. */
export function ruleFile(id: string, limits: Array<{ count: number; window: string }>) {
  return {
    rules: [
      {
        id,
        match: { method: 'POST', path: '/v1/signup' },
        key: 'body.phone',
        normalize: 'e164',
        limits,
        error: { status: 429, code: 'REQUEST_LIMIT_REACHED', message: 'Too many signups for this phone number. Try again later.' },
        onMissingKey: 'skip',
        onStoreError: 'local',
      },
    ],
  };
}

/**
 * The bench writes its own rule files rather than pointing at rules/, so that a rule added there
 * later (per IP, say, which all of the bench's loopback traffic would share) cannot change what is
 * measured. The phone rule is the shipped one; the email rule is left out since no body has one.
 */
export function writeRulesDirs(tmp: string, raceLimit: number): RulesDirs {
  const dirs: RulesDirs = { none: join(tmp, 'rules-none'), signup: join(tmp, 'rules-signup'), race: join(tmp, 'rules-race') };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  writeFileSync(join(dirs.signup, 'signup.json'), JSON.stringify(ruleFile(SIGNUP_RULE_ID, SIGNUP_LIMITS), null, 2));
  writeFileSync(join(dirs.race, 'race.json'), JSON.stringify(ruleFile(RACE_RULE_ID, [{ count: raceLimit, window: '1h' }]), null, 2));
  return dirs;
}

export interface FleetContext {
  root: string;
  tmp: string;
  redisPort: number;
}

const common = (keyspace: string, port: number) => ({
  PORT: String(port),
  HOST: '127.0.0.1',
  CASSANDRA_CONTACT_POINTS: '127.0.0.1',
  CASSANDRA_KEYSPACE: keyspace,
  LOG_LEVEL: 'warn',
});

export async function startService(ctx: FleetContext, name: string, rulesDir: string, keyspace: string, extraEnv: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  return startServer({
    name,
    command: process.execPath,
    // BENCH_CPU_PROF=1: V8 CPU profiles of every service process, written to the run's log folder on exit.
    args: [...(process.env.BENCH_CPU_PROF === '1' ? ['--cpu-prof', '--cpu-prof-dir', ctx.tmp, '--cpu-prof-name', `${name}.cpuprofile`] : []), 'dist/main.js'],
    env: { ...common(keyspace, port), RULES_DIR: rulesDir, KEY_SECRET: BENCH_KEY_SECRET, ...extraEnv },
    cwd: ctx.root,
    logFile: join(ctx.tmp, `${name}.log`),
    port,
  });
}

/** limits: "count/seconds,...", see limited-app.ts parseLimits. */
export async function startPeer(ctx: FleetContext, name: string, limits: string, blockInMemory: boolean): Promise<ServerProcess> {
  const port = await freePort();
  return startServer({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', 'bench/peer-server.ts'],
    env: { ...common(KEYSPACES.peer, port), REDIS_PORT: String(ctx.redisPort), BENCH_LIMITS: limits, BENCH_BLOCK_IN_MEMORY: blockInMemory ? '1' : '0' },
    cwd: ctx.root,
    logFile: join(ctx.tmp, `${name}.log`),
    port,
  });
}

export async function startNaive(ctx: FleetContext, name: string, limits: string): Promise<ServerProcess> {
  const port = await freePort();
  return startServer({
    name,
    command: process.execPath,
    args: ['--import', 'tsx', 'bench/naive-server.ts'],
    env: { ...common(KEYSPACES.naive, port), BENCH_LIMITS: limits },
    cwd: ctx.root,
    logFile: join(ctx.tmp, `${name}.log`),
    port,
  });
}
