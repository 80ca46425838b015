#!/usr/bin/env node
// Runs a real Apache Cassandra 5.0 cluster of 1 or 3 nodes on this machine, without Docker
// (there is no Docker engine here, and no Cassandra package or tarball): the jars come from
// Maven Central, OpenJDK 17 runs org.apache.cassandra.service.CassandraDaemon from them.
// Node i listens on 127.0.0.i (CQL 9042, storage 7000); files live in .cassandra/node<i>.
//
//   node scripts/cassandra.mjs start [--nodes 1|3] [--fresh]   (or env CASSANDRA_NODES)
//   node scripts/cassandra.mjs stop
//   node scripts/cassandra.mjs status
//
// Env: CASSANDRA_JAVA (a Java 17 binary), CASSANDRA_START_TIMEOUT_S (default 180), CASSANDRA_MVN.
// Background: /work/shared/design/cassandra-local.md.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import cassandra from 'cassandra-driver';
import {
  CLUSTER_FILE, SUPPORTED_NODE_COUNTS, cassandraYaml, configHash, existingNodeIndexes, jvmArgFile,
  CQL_PORT, DATACENTER, layoutHash, logbackXml, nodeLayout, STORAGE_PORT,
} from './cassandra/config.mjs';
import {
  Failure, checkJava, cqlVersion, ensureBaseDir, ensureJars, isNodeProcess, jammJar, portOpen, readPid,
  rssMb, sleep, spawnNode, stopNode, waitForCql, withLock, withNode,
} from './cassandra/process.mjs';

const log = (msg) => console.log(msg);
const read = (f) => { try { return readFileSync(f, 'utf8').trim(); } catch { return null; } };
const secondsSince = (t0) => ((Date.now() - t0) / 1000).toFixed(1);

function parseArgs(argv) {
  const opts = { command: argv[0], nodes: Number(process.env.CASSANDRA_NODES || 1), fresh: false };
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === '--fresh') opts.fresh = true;
    else if (argv[i] === '--nodes') opts.nodes = Number(argv[++i]);
    else if (argv[i].startsWith('--nodes=')) opts.nodes = Number(argv[i].slice(8));
    else throw new Failure(`Unknown argument: ${argv[i]}`);
  }
  if (!SUPPORTED_NODE_COUNTS.includes(opts.nodes)) {
    throw new Failure(`--nodes must be one of ${SUPPORTED_NODE_COUNTS.join(', ')} (got ${opts.nodes})`);
  }
  return opts;
}

/** The node count of the last `start` (what `status` checks); 1 if never started. */
const configuredCount = () => JSON.parse(read(CLUSTER_FILE) || '{"nodes":1}').nodes;

// ---- start --------------------------------------------------------------------------------

async function start({ nodes: n, fresh }) {
  const t0 = Date.now();
  const timeoutS = Number(process.env.CASSANDRA_START_TIMEOUT_S || 180);
  log(`Java: ${checkJava()}`);
  ensureBaseDir();
  ensureJars(log);

  // Nodes beyond n belong to an earlier, bigger cluster: stop them and drop their files, or
  // they would keep gossiping with node1 (and their stale data would confuse a later start).
  await Promise.all(existingNodeIndexes().filter((i) => i > n).map(async (i) => {
    const node = nodeLayout(i, n);
    const r = await stopNode(node);
    log(`node${i}: not part of a ${n}-node cluster: ${r.was}; removing ${node.dir}`);
    rmSync(node.dir, { recursive: true, force: true });
  }));

  const plan = [];
  for (let i = 1; i <= n; i++) {
    const node = nodeLayout(i, n);
    const files = { yaml: cassandraYaml(node), logback: logbackXml(node), args: jvmArgFile(node, jammJar()) };
    const pid = readPid(node);
    plan.push({
      node, files,
      hash: configHash(files.yaml, files.logback, files.args),
      running: isNodeProcess(pid, node) ? pid : null,
      // Data written under another ring layout cannot be reused (tokens, peers, cluster name).
      staleData: existsSync(node.dataDir) && read(node.layoutHashFile) !== layoutHash(node),
    });
  }
  // A cluster is wiped as a whole: a wiped node1 with a new host id next to peers that remember
  // the old one gives a confused ring.
  const wipe = fresh || plan.some((p) => p.staleData);
  if (wipe && !fresh) log('Data was created with another cluster layout: wiping it.');

  for (const p of plan) {
    if (p.running && (wipe || read(p.node.configHashFile) !== p.hash)) {
      const r = await stopNode(p.node);
      log(`node${p.node.index}: ${wipe ? 'restarting with wiped data' : 'configuration changed'}: pid ${r.pid} ${r.was}`);
      p.running = null;
    }
  }
  if (wipe) {
    for (const { node } of plan) {
      for (const d of [node.dataDir, node.commitlogDir, node.hintsDir, node.savedCachesDir, node.tmpDir]) {
        rmSync(d, { recursive: true, force: true });
      }
      rmSync(node.layoutHashFile, { force: true });
    }
  }
  writeFileSync(CLUSTER_FILE, JSON.stringify({ nodes: n }) + '\n');

  const deadline = t0 + timeoutS * 1000;
  const launch = async (p) => {
    const { node } = p;
    const name = `node${node.index} (${node.host})`;
    if (p.running) {
      const v = await cqlVersion(node);
      log(v ? `${name}: already running, pid ${p.running}, Cassandra ${v}: left as it is`
        : `${name}: already starting, pid ${p.running}: waiting for it`);
      return v || waitForCql(node, deadline, log);
    }
    // A JVM without a pid file (killed script, other checkout) would make this one fail to bind.
    for (const port of [CQL_PORT, STORAGE_PORT]) {
      if (await portOpen(node.host, port)) {
        throw new Failure(`${name}: ${node.host}:${port} is already in use by a process this script ` +
          `did not start (no live pid in ${node.pidFile}). Find it with: ss -ltnp 'sport = :${port}'`);
      }
    }
    mkdirSync(node.dir, { recursive: true });
    writeFileSync(node.yamlFile, p.files.yaml);
    writeFileSync(node.logbackFile, p.files.logback);
    writeFileSync(node.argFile, p.files.args);
    const pid = spawnNode(node);
    writeFileSync(node.layoutHashFile, layoutHash(node) + '\n');
    writeFileSync(node.configHashFile, p.hash + '\n');
    const ts = Date.now();
    log(`${name}: started pid ${pid}${wipe ? ' (fresh data)' : ''}, waiting for CQL (log: ${node.systemLog})`);
    const v = await waitForCql(node, deadline, log);
    log(`${name}: answers CQL after ${secondsSince(ts)} s`);
    return v;
  };

  // The seed first: the other nodes give up after about a minute without it.
  const version = await launch(plan[0]);
  await Promise.all(plan.slice(1).map(launch));
  if (n > 1) await waitForRing(plan.map((p) => p.node), deadline);

  const mem = plan.map(({ node }) => `node${node.index} ${rssMb(readPid(node)) ?? '?'} MB`).join(', ');
  log(`Resident memory: ${mem}`);
  log(`Cassandra ${version} ready on 127.0.0.1:${CQL_PORT} (${n} node(s)) in ${secondsSince(t0)} s`);
}

/**
 * Waits until every node lists the others (with host id and token) in system.peers, and a
 * driver client that may use the whole cluster holds connections to all the nodes.
 */
async function waitForRing(nodes, deadline) {
  let last = '';
  for (;;) {
    const views = [];
    for (const node of nodes) {
      const peers = await withNode(node, async (c) =>
        (await c.execute('SELECT peer, host_id, tokens FROM system.peers')).rows
          .filter((r) => r.host_id && r.tokens).map((r) => r.peer.toString()).sort()).catch(() => []);
      views.push({ node, peers });
    }
    let connected = 0;
    const client = new cassandra.Client({ contactPoints: nodes.map((x) => x.cql), localDataCenter: DATACENTER });
    try {
      await client.connect();
      await client.execute('SELECT now() FROM system.local'); // lets the pools to all hosts open
      connected = client.getState().getConnectedHosts().length;
    } catch { /* not yet */ } finally { await client.shutdown().catch(() => {}); }

    const state = views.map((v) => `node${v.node.index} sees [${v.peers.join(', ')}]`).join('; ') +
      `; driver connected to ${connected} of ${nodes.length}`;
    if (connected === nodes.length && views.every((v) => v.peers.length === nodes.length - 1)) {
      log(`Ring complete: ${state}`);
      return;
    }
    if (state !== last) log(`  waiting for the ring: ${state}`);
    last = state;
    if (Date.now() > deadline) throw new Failure(`The nodes did not all see each other before the timeout: ${state}`);
    await sleep(2000);
  }
}

// ---- stop / status -----------------------------------------------------------------------

async function stop() {
  const indexes = existingNodeIndexes();
  const results = await Promise.all(indexes.map(async (i) => {
    const node = nodeLayout(i, configuredCount());
    return { i, running: isNodeProcess(readPid(node), node), r: await stopNode(node) };
  }));
  const stopped = results.filter((x) => x.running);
  if (stopped.length === 0) log('No Cassandra node is running.');
  for (const { i, r } of stopped) log(`node${i}: pid ${r.pid} ${r.was}`);
}

async function status() {
  const n = configuredCount();
  let allUp = true;
  for (let i = 1; i <= n; i++) {
    const node = nodeLayout(i, n);
    const pid = readPid(node);
    const alive = isNodeProcess(pid, node);
    const version = alive ? await cqlVersion(node) : null;
    allUp &&= Boolean(version);
    log(`node${i} ${node.cql}: ` + (alive
      ? `pid ${pid} running, ${rssMb(pid)} MB resident, ${version ? `CQL answers (Cassandra ${version})` : 'CQL not answering'}`
      : 'not running'));
  }
  for (const i of existingNodeIndexes().filter((i) => i > n)) {
    const node = nodeLayout(i, n);
    if (isNodeProcess(readPid(node), node)) log(`node${i}: running but not part of the ${n}-node cluster (stop it)`);
  }
  log(allUp ? `All ${n} node(s) up.` : `Not all of the ${n} configured node(s) are up.`);
  return allUp ? 0 : 1;
}

// ---- main --------------------------------------------------------------------------------

try {
  const opts = parseArgs(process.argv.slice(2));
  // start and stop hold a lock: two test runners starting Cassandra at once must not both spawn it.
  if (opts.command === 'start') await withLock(() => start(opts), log);
  else if (opts.command === 'stop') await withLock(stop, log);
  else if (opts.command === 'status') process.exitCode = await status();
  else throw new Failure('Usage: node scripts/cassandra.mjs start [--nodes 1|3] [--fresh] | stop | status');
} catch (e) {
  console.error(e instanceof Failure ? `cassandra: ${e.message}` : e);
  process.exitCode = 1;
}
