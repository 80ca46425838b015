/**
 * Closed-loop load with autocannon's programmatic API: `connections` keep-alive connections on
 * 127.0.0.1, each sending its next request as soon as the previous answer arrives, for a fixed
 * time. Every request gets its body from `body()` (a fresh phone number per request, or one of a
 * few abusive ones). Status codes and exact latencies are taken from autocannon's per-response
 * event (see latency-recorder.ts for why not its histogram).
 */
import autocannon from 'autocannon';
import { LatencyRecorder, type LatencySummary } from './latency-recorder.js';

export interface LoadOptions {
  url: string;
  connections: number;
  durationS: number;
  body: () => string;
  /** autocannon's overallRate: a per-second budget shared by the connections (see paced-load.ts). */
  overallRate?: number;
}

export interface StatusSplit {
  '201': number;
  '429': number;
  other: number;
}

export interface LoadResult {
  durationS: number;
  responses: number;
  /** Responses per second over the whole run. */
  rps: number;
  latency: LatencySummary;
  status: StatusSplit;
  /** Other status codes seen, with their counts (400, 500, 503...). */
  otherCodes: Record<string, number>;
  /** Connection errors and timeouts (no HTTP answer at all). */
  errors: number;
  timeouts: number;
}

/** Status codes and exact latencies of one run, kept the same way by both load drivers. */
export class Tally {
  private readonly recorder = new LatencyRecorder();
  private readonly status: StatusSplit = { '201': 0, '429': 0, other: 0 };
  private readonly otherCodes: Record<string, number> = {};
  private readonly started = performance.now();

  response(code: number, latencyMs: number): void {
    this.recorder.record(latencyMs);
    if (code === 201) this.status['201']++;
    else if (code === 429) this.status['429']++;
    else {
      this.status.other++;
      this.otherCodes[code] = (this.otherCodes[code] ?? 0) + 1;
    }
  }

  result(errors: number, timeouts: number): LoadResult {
    const durationS = (performance.now() - this.started) / 1000;
    return {
      durationS: Math.round(durationS * 100) / 100,
      responses: this.recorder.count,
      rps: Math.round(this.recorder.count / durationS),
      latency: this.recorder.summary(),
      status: this.status,
      otherCodes: this.otherCodes,
      errors,
      timeouts,
    };
  }
}

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const tally = new Tally();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationS,
        ...(options.overallRate ? { overallRate: options.overallRate } : {}),
        timeout: 10,
        requests: [
          {
            method: 'POST',
            path: '/v1/signup',
            headers: { 'content-type': 'application/json' },
            setupRequest: (request) => ({ ...request, body: options.body() }),
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        resolve(tally.result(result.errors, result.timeouts));
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => tally.response(statusCode, responseTime));
  });
}
