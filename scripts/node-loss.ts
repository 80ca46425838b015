/**
 * `npm run node-loss`: the service on a 3-node cluster (127.0.0.1-3, RF 3, LOCAL_QUORUM) under
 * steady load while nodes are stopped and started (issue 5, point 5). Phases:
 *   all up -> node3 stopped -> node2 stopped too (quorum lost) -> both started again.
 * In each: answers by status, transport errors, latency, /healthz, and exactness probes (50
 * simultaneous signups for a fresh number under a limit of 5 must give exactly five 201s).
 * Replaces whatever Cassandra runs here with a fresh 3-node cluster, and leaves a fresh single
 * node running at the end. Prints a markdown report (docs/operations.md keeps one).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, startServer } from '../bench/server-process.js';
import { PhasedLoad, PhoneSource, sleep, type Phase } from './phased-load.js';

const ROOT = process.cwd();
const run = promisify(execFile);
const cassandra = (...args: string[]) => run(process.execPath, ['scripts/cassandra.mjs', ...args], { cwd: ROOT });
const PHASE_S = Number(process.env.NODE_LOSS_PHASE_S ?? 30);
const RATE = Number(process.env.NODE_LOSS_RATE ?? 60);

const load = new PhasedLoad();
const phones = new PhoneSource(5_000_000);
const probes = new Map<Phase, number[]>();

/** 50 simultaneous signups for one fresh number under a limit of 5: how many got 201. */
async function probe(url: string): Promise<number> {
  const phone = phones.take();
  const answers = await Promise.all(Array.from({ length: 50 }, () => load.signup(url, phone)));
  return answers.filter((a) => a === '201').length;
}

async function phase(name: string, url: string): Promise<void> {
  load.enter(name);
  const current = load.phases.at(-1)!;
  probes.set(current, []);
  const until = performance.now() + PHASE_S * 1000;
  while (performance.now() < until) {
    await load.sampleHealth(url);
    if (probes.get(current)!.length < 3) probes.get(current)!.push(await probe(url));
    await sleep(2_000);
  }
}

function stopNode(i: number): void {
  const pid = Number(readFileSync(join(ROOT, `.cassandra/node${i}/cassandra.pid`), 'utf8'));
  process.kill(pid, 'SIGTERM');
}

function report(): string {
  return [
    `Three nodes on 127.0.0.1-3, SimpleStrategy RF 3, LOCAL_QUORUM / LOCAL_SERIAL, THROTTLE_DEADLINE_MS=500, rule 5/1h per phone with onStoreError "local"; ${RATE} signups/s of new numbers; phases of ${PHASE_S} s.`,
    '',
    load.table({ head: 'exactness probes (201s of 50, limit 5)', of: (p) => (probes.get(p) ?? []).join(', ') }),
  ].join('\n');
}

async function main(): Promise<void> {
  console.log('starting a fresh 3-node cluster (replaces what runs here)...');
  await cassandra('stop');
  await cassandra('start', '--nodes', '3', '--fresh');
  await run('npm', ['run', 'build'], { cwd: ROOT });
  const rulesDir = mkdtempSync(join(tmpdir(), 'tollgate-node-loss-'));
  mkdirSync(rulesDir, { recursive: true });
  writeFileSync(
    join(rulesDir, 'signup.json'),
    JSON.stringify({ rules: [{ id: 'signup-per-phone', match: { method: 'POST', path: '/v1/signup' }, key: 'body.phone', normalize: 'e164', limits: [{ count: 5, window: '1h' }], onStoreError: 'local' }] }),
  );
  const port = await freePort();
  const service = await startServer({
    name: 'tollgate',
    command: process.execPath,
    args: ['dist/main.js'],
    cwd: ROOT,
    logFile: join(rulesDir, 'service.log'),
    port,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      RULES_DIR: rulesDir,
      LOG_LEVEL: 'warn',
      CASSANDRA_CONTACT_POINTS: '127.0.0.1,127.0.0.2,127.0.0.3',
      CASSANDRA_KEYSPACE: 'tollgate_node_loss',
      CASSANDRA_REPLICATION: 'SimpleStrategy:3',
      KEY_SECRET: 'node-loss-run-secret-0123456789abcdef',
    },
  });
  const stop = { done: false };
  const loading = load.steady(service.url, RATE, phones, stop);
  try {
    await phase('all 3 nodes up', service.url);
    stopNode(3);
    await phase('node3 stopped', service.url);
    stopNode(2);
    await phase('node2 and node3 stopped (no quorum)', service.url);
    load.enter(undefined);
    await cassandra('start', '--nodes', '3');
    await phase('node2 and node3 started again', service.url);
  } finally {
    stop.done = true;
    await loading;
    await service.stop();
  }
  const text = report();
  console.log(`\n${text}\n\nservice log (warnings and errors): ${join(rulesDir, 'service.log')}`);
  writeFileSync(join(rulesDir, 'report.md'), text);
  await cassandra('start', '--fresh');
}

await main();
