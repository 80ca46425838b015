// Processes around the local Cassandra nodes: JDK check, fetching the jars, spawning and stopping
// the JVMs, and readiness checks (TCP, then a real CQL query through cassandra-driver).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { BASE_DIR, CQL_PORT, DATACENTER, JAVA, LIB_DIR, POM } from './config.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class Failure extends Error {} // a clear, expected failure: printed without a stack trace

/** Refuses unless JAVA is a Java 17 runtime (see config.mjs for why exactly 17). */
export function checkJava() {
  if (!existsSync(JAVA)) {
    throw new Failure(`Java 17 not found at ${JAVA}. Install it (apt-get install openjdk-17-jre-headless) ` +
      'or point CASSANDRA_JAVA at a Java 17 binary. Cassandra 5.0 does not run on Java 21 or 24+.');
  }
  const r = spawnSync(JAVA, ['-version'], { encoding: 'utf8' });
  const m = /version "(\d+)[.\d]*/.exec(`${r.stderr}${r.stdout}`);
  if (!m || m[1] !== '17') {
    throw new Failure(`${JAVA} is Java ${m ? m[1] : '(unknown)'}, Cassandra 5.0 needs Java 17 ` +
      '(the security manager is refused by JDK 24+, JDK 21 fails on module access).');
  }
  return `${r.stderr}`.split('\n')[0];
}

const MARKER = join(LIB_DIR, '.complete');
const libHas = (prefix) => existsSync(LIB_DIR) && readdirSync(LIB_DIR).find((f) => f.startsWith(prefix) && f.endsWith('.jar'));

/**
 * Downloads cassandra-all and its runtime dependencies with Maven, once. The marker is written
 * only after Maven succeeded, so an interrupted download is fetched again.
 */
export function ensureJars(log) {
  const pom = readFileSync(POM, 'utf8');
  if (existsSync(MARKER) && readFileSync(MARKER, 'utf8') === pom && libHas('cassandra-all-') && libHas('jamm-')) {
    return;
  }
  log(`Fetching cassandra-all and its dependencies with Maven into ${LIB_DIR} ...`);
  const tmp = `${LIB_DIR}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  const t0 = Date.now();
  // An sjk pom makes Maven log a harmless "[ERROR] ... systemPath ... jmc5.path"; the exit code decides.
  const r = spawnSync(process.env.CASSANDRA_MVN || 'mvn', ['-B', '-q', '-Dstyle.color=never', '-f', POM,
    'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies',
    '-DincludeScope=runtime', `-DoutputDirectory=${tmp}`], { stdio: 'inherit' });
  if (r.error || r.status !== 0) {
    throw new Failure(`Maven failed (${r.error ? r.error.message : `exit ${r.status}`}); jars not fetched.`);
  }
  rmSync(LIB_DIR, { recursive: true, force: true });
  renameSync(tmp, LIB_DIR);
  writeFileSync(MARKER, pom);
  log(`  ${readdirSync(LIB_DIR).length - 1} jars in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

export const jammJar = () => join(LIB_DIR, libHas('jamm-'));

export function readPid(node) {
  try { return Number(readFileSync(node.pidFile, 'utf8').trim()) || null; } catch { return null; }
}

/**
 * Is pid a live (not zombie) JVM of this node? The command line must name the node's argfile,
 * so a pid reused by another process after a crash is never signalled.
 */
export function isNodeProcess(pid, node) {
  if (!pid) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/^\d+ \(.*\) [ZX]/s.test(stat)) return false; // exited; not reaped by PID 1 in a container
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(node.argFile);
  } catch {
    return false;
  }
}

/** Resident memory of a process in MB (from /proc, like `ps -o rss`). */
export function rssMb(pid) {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
    return Math.round(kb / 1024);
  } catch { return null; }
}

/** Starts the JVM detached (own process group) so it outlives this script. */
export function spawnNode(node) {
  for (const d of [node.dataDir, node.commitlogDir, node.hintsDir, node.savedCachesDir, node.logDir, node.tmpDir, node.triggersDir]) {
    mkdirSync(d, { recursive: true });
  }
  // Remember where this start's output begins, so a failure shows this start's lines only.
  node.logOffsets = { stdout: fileSize(node.stdoutFile), system: fileSize(node.systemLog) };
  const out = openSync(node.stdoutFile, 'a');
  writeFileSync(out, `\n===== ${new Date().toISOString()} starting ${JAVA} @${node.argFile}\n`);
  const child = spawn(JAVA, [`@${node.argFile}`], { cwd: node.dir, detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  writeFileSync(node.pidFile, `${child.pid}\n`);
  child.unref();
  return child.pid;
}

/** SIGTERM to the node's process group (Cassandra drains on it), SIGKILL after timeoutMs. */
export async function stopNode(node, timeoutMs = 30_000) {
  const pid = readPid(node);
  if (!isNodeProcess(pid, node)) {
    rmSync(node.pidFile, { force: true });
    return { pid, was: 'not running' };
  }
  const t0 = Date.now();
  const signal = (s) => { try { process.kill(-pid, s); } catch { try { process.kill(pid, s); } catch { /* gone */ } } };
  signal('SIGTERM');
  while (isNodeProcess(pid, node) && Date.now() - t0 < timeoutMs) await sleep(250);
  let how = 'SIGTERM';
  if (isNodeProcess(pid, node)) {
    signal('SIGKILL');
    how = 'SIGKILL after SIGTERM timed out';
    while (isNodeProcess(pid, node) && Date.now() - t0 < timeoutMs + 10_000) await sleep(250);
  }
  rmSync(node.pidFile, { force: true });
  rmSync(node.configHashFile, { force: true });
  return { pid, was: `stopped (${how}) in ${((Date.now() - t0) / 1000).toFixed(1)} s` };
}

/** True if something accepts TCP connections on host:port. */
export function portOpen(host, port, timeoutMs = 1000) {
  return new Promise((res) => {
    const s = connect({ host, port });
    const done = (ok) => { s.destroy(); res(ok); };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** A driver client that talks to this one node only (not to the peers it discovers). */
export function nodeClient(node, extra = {}) {
  const { policies } = cassandra;
  return new cassandra.Client({
    contactPoints: [node.cql],
    localDataCenter: DATACENTER,
    policies: {
      loadBalancing: new policies.loadBalancing.AllowListPolicy(
        new policies.loadBalancing.DCAwareRoundRobinPolicy(DATACENTER), [node.cql]),
    },
    socketOptions: { connectTimeout: 5000, readTimeout: 10_000 },
    ...extra,
  });
}

/** Runs fn(client) against one node and always shuts the client down. */
export async function withNode(node, fn) {
  const client = nodeClient(node);
  try {
    await client.connect();
    return await fn(client);
  } finally {
    await client.shutdown().catch(() => {});
  }
}

/** release_version if the node answers CQL, else null. */
export async function cqlVersion(node) {
  if (!(await portOpen(node.host, CQL_PORT))) return null;
  try {
    return await withNode(node, async (c) =>
      (await c.execute('SELECT release_version FROM system.local')).first().release_version);
  } catch {
    return null;
  }
}

/**
 * Waits until the node answers CQL. Fails (with the log tail) if its JVM exits or the deadline
 * passes. Progress is printed every 15 s.
 */
export async function waitForCql(node, deadline, log) {
  const t0 = Date.now();
  let next = t0 + 15_000;
  for (;;) {
    if (!isNodeProcess(readPid(node), node)) {
      rmSync(node.pidFile, { force: true });
      rmSync(node.configHashFile, { force: true });
      throw new Failure(`node${node.index} (${node.host}): the JVM exited during start-up.\n${logTail(node)}`);
    }
    const version = await cqlVersion(node);
    if (version) return version;
    if (Date.now() > deadline) {
      throw new Failure(`node${node.index} (${node.host}): no CQL answer before the timeout ` +
        '(CASSANDRA_START_TIMEOUT_S); it is left running for inspection, `stop` ends it.\n' + logTail(node));
    }
    if (Date.now() > next) {
      log(`  node${node.index}: still starting (${Math.round((Date.now() - t0) / 1000)} s)`);
      next += 15_000;
    }
    await sleep(1000);
  }
}

const fileSize = (file) => { try { return statSync(file).size; } catch { return 0; } };

const tail = (file, n, from = 0) => {
  try {
    const text = readFileSync(file).subarray(from).toString('utf8').trimEnd();
    return text ? text.split('\n').slice(-n).join('\n') : '(nothing written by this start)';
  } catch { return '(no file)'; }
};

/** The end of the node's stdout (JVM errors, WARN+) and of its system.log (INFO+) since the start. */
export function logTail(node) {
  const o = node.logOffsets ?? { stdout: 0, system: 0 };
  const out = tail(node.stdoutFile, 60, o.stdout);
  const firstError = out.split('\n').find((l) => /^(ERROR|Error)|Exception:/.test(l));
  return `--- last lines of ${node.stdoutFile} ---\n${out}\n` +
    `--- last 60 lines of ${node.systemLog} ---\n${tail(node.systemLog, 60, o.system)}` +
    (firstError ? `\n--- first error ---\n${firstError}` : '');
}

export const ensureBaseDir = () => mkdirSync(BASE_DIR, { recursive: true });

const LOCK = join(BASE_DIR, 'lock');

/** Runs fn while holding .cassandra/lock (O_EXCL file with our pid); waits for a live holder. */
export async function withLock(fn, log) {
  ensureBaseDir();
  let waited = false;
  for (;;) {
    try {
      writeFileSync(LOCK, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const holder = Number(readFileSync(LOCK, 'utf8').trim());
      let alive = false;
      try { process.kill(holder, 0); alive = !/^\d+ \(.*\) [ZX]/s.test(readFileSync(`/proc/${holder}/stat`, 'utf8')); } catch { /* gone */ }
      if (!alive) { rmSync(LOCK, { force: true }); continue; } // left by a killed run
      if (!waited) log(`Another cassandra.mjs (pid ${holder}) is starting or stopping nodes: waiting for it.`);
      waited = true;
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { force: true });
  }
}
