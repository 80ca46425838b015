import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCallbackDispatcher } from '../../../src/domains/calls/callback-dispatcher.js';
import { guardedLookup } from '../../../src/domains/calls/callback-url-policy.js';

let port: number;
let hits = 0;
const receiver = createServer((_, res) => {
  hits++;
  res.end();
});
beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  port = (receiver.address() as AddressInfo).port;
});
afterAll(() => new Promise((resolve) => receiver.close(resolve)));

function recordingLogger() {
  const lines: Array<{ level: 'warn' | 'error'; details: Record<string, unknown>; message: string }> = [];
  return {
    lines,
    warn: (details: object, message: string) => lines.push({ level: 'warn', details: details as Record<string, unknown>, message }),
    error: (details: object, message: string) => lines.push({ level: 'error', details: details as Record<string, unknown>, message }),
  };
}

const request = (url: string) => ({ url, method: 'POST' as const, params: { CallSid: 'CA1', CallStatus: 'completed' } });

describe('createCallbackDispatcher', () => {
  it('connects through the guarded lookup: a name that resolves to loopback is never called (no DNS rebinding)', async () => {
    const logger = recordingLogger();
    const dispatcher = createCallbackDispatcher({ retryDelaysMs: [1, 1], lookup: guardedLookup, logger });
    const before = hits;
    dispatcher.dispatch(request(`http://localhost:${port}/status?secret=x`));
    await vi.waitFor(() => expect(logger.lines).toHaveLength(1));
    expect(logger.lines[0]).toMatchObject({ level: 'error', message: 'status callback failed after every retry', details: { attempts: 3, url: `http://localhost:${port}/status` } });
    expect(String(logger.lines[0]!.details.lastError)).toMatch(/localhost resolves to .*, which is not public/);
    expect(hits).toBe(before);
    await dispatcher.stop();
  });

  it('delivers through the system lookup when an allow-list vouches for the host', async () => {
    const logger = recordingLogger();
    const dispatcher = createCallbackDispatcher({ retryDelaysMs: [], lookup: undefined, logger });
    const before = hits;
    dispatcher.dispatch(request(`http://localhost:${port}/status`));
    await vi.waitFor(() => expect(hits).toBe(before + 1));
    await dispatcher.stop();
    expect(logger.lines).toEqual([]);
  });

  it('drops (and logs) a delivery once too many are pending, and every delivery after stop', async () => {
    const logger = recordingLogger();
    const dispatcher = createCallbackDispatcher({ retryDelaysMs: [60_000], lookup: undefined, logger, maxPending: 1 });
    dispatcher.dispatch(request('http://127.0.0.1:1/unreachable'));
    dispatcher.dispatch(request('http://127.0.0.1:1/unreachable'));
    expect(logger.lines.map((l) => l.message)).toEqual(['status callback dropped (shutting down, or too many pending)']);
    await dispatcher.stop();
    dispatcher.dispatch(request(`http://127.0.0.1:${port}/late`));
    expect(logger.lines.map((l) => l.message)).toEqual([
      'status callback dropped (shutting down, or too many pending)',
      'status callback cancelled by shutdown',
      'status callback dropped (shutting down, or too many pending)',
    ]);
  });
});
