/**
 * Which Cassandra the "cassandra" and "outage" test projects run against:
 * - a node that already answers (TOLLGATE_TEST_CASSANDRA, default 127.0.0.1:9042) is used as it is;
 * - else, with OpenJDK 17 on the machine, a node from the Maven jars (scripts/cassandra.mjs), as CI
 *   does here: the project's machines have a Docker client but no Docker engine;
 * - else, with a Docker engine answering, a container through testcontainers
 *   (@testcontainers/cassandra), for a developer who has Docker and no JDK;
 * - else nothing can run, and the suite fails (it never skips).
 * The choice is a pure function of what was probed, so it is unit-tested
 * (test/unit/support/cassandra-runner.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';

export type CassandraRunner = 'existing' | 'jars' | 'testcontainers' | 'none';

export interface Probes {
  /** A node answers CQL at the test contact point. */
  answers: boolean;
  /** A Java 17 the jar node can run on. */
  java17: boolean;
  /** A Docker engine answers (not just a client). */
  dockerEngine: boolean;
}

export function chooseCassandraRunner(probes: Probes): CassandraRunner {
  if (probes.answers) return 'existing';
  if (probes.java17) return 'jars';
  if (probes.dockerEngine) return 'testcontainers';
  return 'none';
}

/** The JDK scripts/cassandra.mjs runs the node on (CASSANDRA_JAVA, else Debian's OpenJDK 17). */
export function hasJava17(env: NodeJS.ProcessEnv = process.env): boolean {
  const java = env.CASSANDRA_JAVA ?? '/usr/lib/jvm/java-17-openjdk-amd64/bin/java';
  if (!existsSync(java)) return false;
  const version = spawnSync(java, ['-version'], { encoding: 'utf8' });
  return version.status === 0 && /version "17\./.test(`${version.stderr}${version.stdout}`);
}

/** Whether a Docker engine answers its /_ping on the local socket (DOCKER_HOST tcp:// too). */
export function dockerEngineAnswers(env: NodeJS.ProcessEnv = process.env, timeoutMs = 2_000): Promise<boolean> {
  const host = env.DOCKER_HOST;
  let target: { socketPath: string } | { host: string; port: number };
  if (host?.startsWith('tcp://')) {
    const url = new URL(host.replace('tcp://', 'http://'));
    target = { host: url.hostname, port: Number(url.port || 2375) };
  } else {
    const socketPath = host?.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock';
    if (!existsSync(socketPath)) return Promise.resolve(false);
    target = { socketPath };
  }
  return new Promise((resolve) => {
    const ping = request({ ...target, path: '/_ping', method: 'GET', timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    ping.on('timeout', () => ping.destroy());
    ping.on('error', () => resolve(false));
    ping.end();
  });
}
