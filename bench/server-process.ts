/**
 * Child processes the bench runs: the service (node dist/main.js), the comparison servers and
 * redis-server. Each is spawned directly (no npm or shell in between), so its pid is the process
 * whose CPU is measured, and each is stopped by that pid and nothing else.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface ServerProcess {
  name: string;
  pid: number;
  port: number;
  url: string;
  logFile: string;
  stop(): Promise<void>;
}

export interface ServerSpec {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  logFile: string;
  port: number;
  /** Resolves once the process serves; defaults to GET /healthz answering 200. */
  ready?: () => Promise<boolean>;
  readyTimeoutMs?: number;
}

/** A port the kernel just gave out and took back: free now, on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startServer(spec: ServerSpec): Promise<ServerProcess> {
  const log = createWriteStream(spec.logFile);
  const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: { ...process.env, ...spec.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? code}`));
  const url = `http://127.0.0.1:${spec.port}`;
  const ready = spec.ready ?? (() => healthy(url));
  const deadline = Date.now() + (spec.readyTimeoutMs ?? 120_000);
  while (!(await ready())) {
    if (exited !== undefined || Date.now() > deadline) {
      if (exited === undefined) child.kill('SIGKILL');
      throw new Error(`bench: ${spec.name} ${exited ?? 'did not become ready'}; last log lines:\n${tail(spec.logFile)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { name: spec.name, pid: child.pid!, port: spec.port, url, logFile: spec.logFile, stop: () => stopChild(child) };
}

async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** SIGTERM (the servers close their clients), then SIGKILL if still there after 10 s. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}
