/**
 * Runs the service the way `npm start` does — src/main.ts as a process of its own, the embedded
 * store, the shipped rules — on a loopback port the kernel picks (PORT=0; the port is read from
 * its "tollgate listening" log line, so no other process can take it in between).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ServiceProcess {
  url: string;
  /** Every line the service logged (for the failure message of a test). */
  log: string[];
  stop(): Promise<void>;
}

/** Starts src/main.ts with these settings on top of the defaults; resolves once it listens. */
export async function startService(settings: Record<string, string>): Promise<ServiceProcess> {
  // Only what a fresh shell has: no CASSANDRA_* of a developer's, so the store is the embedded one.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CASSANDRA_') && !/^(ADMIN_TOKENS?|PORT|HOST|NODE_ENV)$/.test(name)));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', PRUNE_CRON: 'off', ...settings },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => log.push(line));
  const port = await new Promise<number>((resolve, reject) => {
    const failed = (why: string) => reject(new Error(`the service did not start (${why}):\n${log.join('\n')}`));
    child.once('exit', (code) => failed(`exit ${code}`));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      log.push(line);
      const entry = parse(line);
      if (entry?.msg === 'tollgate listening') resolve((entry.address as { port: number }).port);
    });
  });
  return { url: `http://127.0.0.1:${port}`, log, stop: () => stop(child) };
}

function parse(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** SIGTERM (main.ts shuts down in order), SIGKILL should that hang. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
