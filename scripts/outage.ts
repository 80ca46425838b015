/**
 * `npm run outage` (issue 5, point 5): the single local Cassandra node stopped and started again
 * under steady load, seen by three services that differ only in their rule's onStoreError
 * (local, allow, deny). Phases: up -> node stopped -> node starting -> recovered. Per service and
 * phase it reports answers by status and code, latency (the max shows whether every decision
 * ended within THROTTLE_DEADLINE_MS), and /healthz. Two probes on the "local" service:
 *   - exactness while down: 8 signups for one fresh number under a limit of 5 -> 5 pass the
 *     throttle (their signup write then fails: 503 SERVICE_UNAVAILABLE) and 3 get 429;
 *   - nothing lost: 3 numbers each get 3 signups past the throttle while down; once the node is
 *     back and the write-back job has run, 5 more each must give exactly 2×201 and 3×429.
 * Uses the node on 127.0.0.1:9042 (started if none answers) and leaves it running.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, startServer, type ServerProcess } from '../bench/server-process.js';
import { PhasedLoad, PhoneSource, sleep } from './phased-load.js';

const ROOT = process.cwd();
const run = promisify(execFile);
const cassandra = (command: string) => run(process.execPath, ['scripts/cassandra.mjs', command], { cwd: ROOT });
const PHASE_S = Number(process.env.OUTAGE_PHASE_S ?? 30);
const RATE = Number(process.env.OUTAGE_RATE ?? 30);
const DEADLINE_MS = 500;
const MODES = ['local', 'allow', 'deny'] as const;
type Mode = (typeof MODES)[number];

interface Service {
  mode: Mode;
  process: ServerProcess;
  load: PhasedLoad;
}

async function startService(mode: Mode, tmp: string): Promise<Service> {
  const rulesDir = join(tmp, `rules-${mode}`);
  mkdirSync(rulesDir);
  const rule = { id: `outage-${mode}`, match: { method: 'POST', path: '/v1/signup' }, key: 'body.phone', normalize: 'e164', limits: [{ count: 5, window: '1h' }], onStoreError: mode };
  writeFileSync(join(rulesDir, 'signup.json'), JSON.stringify({ rules: [rule] }));
  const port = await freePort();
  const env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    RULES_DIR: rulesDir,
    LOG_LEVEL: 'warn',
    CASSANDRA_CONTACT_POINTS: '127.0.0.1',
    CASSANDRA_KEYSPACE: 'tollgate_outage',
    THROTTLE_DEADLINE_MS: String(DEADLINE_MS),
    KEY_SECRET: 'outage-run-secret-0123456789abcdef0123',
  };
  const server = await startServer({ name: mode, command: process.execPath, args: ['dist/main.js'], cwd: ROOT, env, logFile: join(tmp, `${mode}.log`), port });
  return { mode, process: server, load: new PhasedLoad() };
}

async function phase(services: Service[], name: string, seconds: number, during?: () => Promise<void>): Promise<void> {
  for (const s of services) s.load.enter(name);
  const until = performance.now() + seconds * 1000;
  const extra = during?.();
  while (performance.now() < until) {
    await Promise.all(services.map((s) => s.load.sampleHealth(s.process.url)));
    await sleep(2_000);
  }
  await extra;
}

async function main(): Promise<void> {
  await run('npm', ['run', 'build'], { cwd: ROOT });
  await cassandra('start');
  const tmp = mkdtempSync(join(tmpdir(), 'tollgate-outage-'));
  const phones = new PhoneSource(20_000_000 + Math.floor(Math.random() * 1_000_000) * 100);
  const services = await Promise.all(MODES.map((mode) => startService(mode, tmp)));
  const local = services[0]!;
  const stop = { done: false };
  const loading = Promise.all(services.map((s) => s.load.steady(s.process.url, RATE, phones, stop)));
  const probes: string[] = [];
  const kept = [phones.take(), phones.take(), phones.take()];
  let recoveredAfterS = Number.NaN;
  try {
    await phase(services, 'node up', PHASE_S);
    const stopping = cassandra('stop');
    await phase(services, 'node stopped', PHASE_S, async () => {
      await stopping;
      await sleep(2_000);
      const exact: string[] = [];
      const phone = phones.take();
      for (let i = 0; i < 8; i++) exact.push(await local.load.signup(local.process.url, phone));
      probes.push(`exactness while down (local, limit 5, 8 sequential): ${exact.join(', ')}`);
      for (const p of kept) for (let i = 0; i < 3; i++) await local.load.signup(local.process.url, p);
    });
    // "node starting" lasts as long as the start command and then until every /healthz is 200.
    const startedAt = performance.now();
    await phase(services, 'node starting', 0, async () => {
      await cassandra('start');
    });
    while (!(await Promise.all(services.map((s) => s.load.sampleHealth(s.process.url)))).every((status) => status === 200)) await sleep(500);
    recoveredAfterS = (performance.now() - startedAt) / 1000;
    await phase(services, 'node back', PHASE_S, async () => {
      await sleep(10_000); // the write-back job runs every 5 s
      for (const p of kept) {
        const after: string[] = [];
        for (let i = 0; i < 5; i++) after.push(await local.load.signup(local.process.url, p));
        probes.push(`nothing lost (local; 3 passed while down, then 5 more): ${after.join(', ')}`);
      }
    });
  } finally {
    stop.done = true;
    await loading;
    for (const s of services) await s.process.stop();
  }
  const lines = [
    `One node on 127.0.0.1, LOCAL_QUORUM, THROTTLE_DEADLINE_MS=${DEADLINE_MS}; three services, rule 5/1h per phone, onStoreError local / allow / deny; ${RATE} signups/s of new numbers each; phases of ${PHASE_S} s. Node stopped with \`scripts/cassandra.mjs stop\` (SIGTERM) and started again.`,
    '',
  ];
  for (const s of services) lines.push(`**onStoreError "${s.mode}"**`, '', s.load.table(), '');
  lines.push(`All three /healthz back to 200 ${recoveredAfterS.toFixed(1)} s after the start command began.`, '', ...probes.map((p) => `- ${p}`));
  const text = lines.join('\n');
  writeFileSync(join(tmp, 'report.md'), text);
  console.log(`\n${text}\n\nservice logs and report: ${tmp}`);
}

await main();
