/**
 * Stops and starts the node the tests run against, for the outage project: the Maven-jar node
 * through scripts/cassandra.mjs, or, when the global setup started a testcontainers container,
 * that container paused and unpaused (its mapped port survives a pause, not a restart; to the
 * service a paused node is one that stopped answering).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Async, so the service under test (in this process) keeps answering while the node stops and starts. */
export async function testNode(command: 'start' | 'stop'): Promise<void> {
  const container = process.env.TOLLGATE_TEST_CONTAINER_ID;
  if (container) {
    const paused = (await run('docker', ['inspect', '--format', '{{.State.Paused}}', container])).stdout.trim() === 'true';
    if (command === 'stop' && !paused) await run('docker', ['pause', container]);
    if (command === 'start' && paused) await run('docker', ['unpause', container]);
    return;
  }
  await run(process.execPath, ['scripts/cassandra.mjs', command]);
}
