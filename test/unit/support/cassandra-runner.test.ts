import { describe, expect, it } from 'vitest';
import { chooseCassandraRunner, dockerEngineAnswers, hasJava17 } from '../../support/cassandra-runner.js';

describe('chooseCassandraRunner', () => {
  it.each([
    [{ answers: true, java17: false, dockerEngine: false }, 'existing'],
    [{ answers: true, java17: true, dockerEngine: true }, 'existing'],
    [{ answers: false, java17: true, dockerEngine: false }, 'jars'],
    [{ answers: false, java17: true, dockerEngine: true }, 'jars'],
    [{ answers: false, java17: false, dockerEngine: true }, 'testcontainers'],
    [{ answers: false, java17: false, dockerEngine: false }, 'none'],
  ] as const)('%o -> %s', (probes, runner) => {
    expect(chooseCassandraRunner(probes)).toBe(runner);
  });
});

describe('the probes', () => {
  it('find no Docker engine behind a socket that does not exist', async () => {
    expect(await dockerEngineAnswers({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' })).toBe(false);
  });

  it('find no Java 17 at a path that does not exist', () => {
    expect(hasJava17({ CASSANDRA_JAVA: '/nonexistent/bin/java' })).toBe(false);
  });
});
