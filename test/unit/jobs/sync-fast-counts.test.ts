import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startFastCountSync, syncFastCounts } from '../../../src/jobs/sync-fast-counts.js';

const clock = () => Date.now();

describe('startFastCountSync', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_800_000_000_030 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('syncs on multiples of the interval since the epoch', async () => {
    const ticks: number[] = [];
    const job = startFastCountSync([{ sync: async () => void ticks.push(Date.now()) }], { intervalMs: 50, clock });
    await vi.advanceTimersByTimeAsync(170);
    await job.stop();
    expect(ticks.map((t) => t - 1_800_000_000_000)).toEqual([50, 100, 150, 200]);
  });

  it('never overlaps a slow sync: the ticks it covers are skipped', async () => {
    const starts: number[] = [];
    let running = 0;
    let most = 0;
    const slow = {
      async sync() {
        starts.push(Date.now() - 1_800_000_000_000);
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 120));
        running--;
      },
    };
    const job = startFastCountSync([slow], { intervalMs: 50, clock });
    await vi.advanceTimersByTimeAsync(400);
    const stopped = job.stop();
    await vi.advanceTimersByTimeAsync(120);
    await stopped;
    expect(most).toBe(1);
    expect(starts).toEqual([50, 200, 350]);
  });

  it('stops: no tick after stop(), and stop() waits for the sync in flight', async () => {
    let finished = 0;
    const job = startFastCountSync([{ sync: () => new Promise<void>((resolve) => setTimeout(() => resolve(void finished++), 30)) }], { intervalMs: 50, clock });
    await vi.advanceTimersByTimeAsync(25);
    const stopped = job.stop();
    await vi.advanceTimersByTimeAsync(30);
    await stopped;
    expect(finished).toBe(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(finished).toBe(1);
  });

  it('tells onError when a sync throws anyway, and keeps ticking', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const broken = {
      async sync() {
        calls++;
        throw new Error('broken');
      },
    };
    const job = startFastCountSync([broken], { intervalMs: 50, clock, onError: (e) => errors.push(e) });
    await vi.advanceTimersByTimeAsync(100);
    await job.stop();
    expect(calls).toBe(2);
    expect(errors.map((e) => (e as Error).message)).toEqual(['broken', 'broken']);
  });

  it('refuses an interval under 1 ms', () => {
    expect(() => startFastCountSync([], { intervalMs: 0, clock })).toThrow(RangeError);
  });
});

it('syncFastCounts syncs every limiter at once', async () => {
  const order: string[] = [];
  const limiter = (name: string) => ({
    async sync() {
      order.push(`${name} start`);
      await Promise.resolve();
      order.push(`${name} end`);
    },
  });
  await syncFastCounts([limiter('a'), limiter('b')]);
  expect(order).toEqual(['a start', 'b start', 'a end', 'b end']);
});
