/**
 * Redis for the peer (scenario d): Debian's redis-server package, installed with apt-get when the
 * binary is missing, run on a loopback port with persistence off (no RDB snapshots, no AOF), so
 * it does what a cache-only limiter store does and no disk I/O lands in the measurements.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import { startServer, type ServerProcess } from './server-process.js';

export interface RedisServer extends ServerProcess {
  /** Commands Redis has executed so far (INFO stats total_commands_processed). */
  commandsProcessed(): Promise<number>;
}

function which(binary: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Path of redis-server, installing Debian's package first if needed (the bench runs as root). */
export function ensureRedisBinary(): string {
  const found = which('redis-server');
  if (found) return found;
  console.log('bench: redis-server is missing; installing Debian\'s redis-server package');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'redis-server'], { stdio: 'inherit', env });
  const installed = which('redis-server');
  if (!installed) throw new Error('bench: apt-get installed redis-server but the binary is not on PATH');
  return installed;
}

export async function startRedis(port: number, dir: string, logFile: string): Promise<RedisServer> {
  const binary = ensureRedisBinary();
  mkdirSync(dir, { recursive: true });
  const probe = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  const server = await startServer({
    name: 'redis-server',
    command: binary,
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'],
    env: {},
    cwd: dir,
    logFile,
    port,
    ready: async () => {
      try {
        if (probe.status !== 'ready') await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        probe.disconnect();
        return false;
      }
    },
    readyTimeoutMs: 20_000,
  });
  return {
    ...server,
    async commandsProcessed() {
      const info = await probe.info('stats');
      return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? Number.NaN);
    },
    async stop() {
      probe.disconnect();
      await server.stop();
    },
  };
}
