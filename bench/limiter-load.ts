/**
 * The load of the limiter rows (bench/limiters.ts): any path, headers and body, and answers read
 * as decisions. bench/load.ts and bench/paced-load.ts drive POST /v1/signup only and count status
 * codes; here a 200 of the decision API may be a refusal (its body says), and a batch answers 50
 * decisions at once, so each row brings `decisions`: how many of an answer's decisions admitted,
 * and how many it holds. The drivers themselves are the same: autocannon's closed loop with exact
 * per-response latencies, and an even open-loop pace on a keep-alive pool (see paced-load.ts for
 * why not autocannon's overallRate) of raw sockets (raw-http-pool.ts: node:http's client cost the
 * paced driver twice the CPU, and its event-loop stalls inflated the p99 it measured). gRPC has its
 * own driver (grpc-load.ts).
 */
import autocannon from 'autocannon';
import { LatencyRecorder, type LatencySummary } from './latency-recorder.js';
import { postPaced } from './paced-load.js';

/** How to read one answer: the decisions it admitted (body read only when `readsBody`). */
export interface AnswerReader {
  /** Decisions per answer (1, or a batch's size). */
  decisionsPerAnswer: number;
  readsBody: boolean;
  /** Decisions of this answer that admitted; a status that decides nothing (500, 400) answers -1. */
  admitted(status: number, body: string | undefined): number;
}

export interface HttpRequestSpec {
  url: string;
  path: string;
  headers?: Record<string, string>;
  /** A fresh body per request. */
  body: () => string;
  /** Per-request extra headers (a device id), merged over `headers`. */
  requestHeaders?: () => Record<string, string>;
  reader: AnswerReader;
}

export interface RowLoad {
  durationS: number;
  answers: number;
  decisions: number;
  admitted: number;
  refused: number;
  /** Answers that decided nothing, by status (and 'error' for no answer at all). */
  failed: Record<string, number>;
  /** Decisions per second over the run. */
  dps: number;
  latency: LatencySummary;
}

/** Answers, decisions and latencies of one run. */
export class DecisionTally {
  private readonly recorder = new LatencyRecorder();
  private readonly started = performance.now();
  private admittedCount = 0;
  private refusedCount = 0;
  private decided = 0;
  private readonly failed: Record<string, number> = {};

  constructor(private readonly reader: Pick<AnswerReader, 'decisionsPerAnswer' | 'admitted'>) {}

  latency(ms: number): void {
    this.recorder.record(ms);
  }

  answer(status: number, body: string | undefined): void {
    const admitted = this.reader.admitted(status, body);
    if (admitted < 0) {
      this.fail(String(status));
      return;
    }
    this.decided += this.reader.decisionsPerAnswer;
    this.admittedCount += admitted;
    this.refusedCount += this.reader.decisionsPerAnswer - admitted;
  }

  fail(reason: string): void {
    this.failed[reason] = (this.failed[reason] ?? 0) + 1;
  }

  result(): RowLoad {
    const durationS = (performance.now() - this.started) / 1000;
    return {
      durationS: Math.round(durationS * 100) / 100,
      answers: this.recorder.count,
      decisions: this.decided,
      admitted: this.admittedCount,
      refused: this.refusedCount,
      failed: this.failed,
      dps: Math.round(this.decided / durationS),
      latency: this.recorder.summary(),
    };
  }
}

/** Closed loop: `connections` keep-alive connections, each sending its next request on the previous answer. */
export function runHttpClosed(spec: HttpRequestSpec, connections: number, durationS: number): Promise<RowLoad> {
  const tally = new DecisionTally(spec.reader);
  const headers = { 'content-type': 'application/json', ...spec.headers };
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections,
        duration: durationS,
        timeout: 10,
        requests: [
          {
            method: 'POST',
            path: spec.path,
            headers,
            setupRequest: (req) => ({ ...req, body: spec.body(), ...(spec.requestHeaders ? { headers: { ...headers, ...spec.requestHeaders() } } : {}) }),
            // autocannon collects a body only for a request that has onResponse.
            ...(spec.reader.readsBody ? { onResponse: (status: number, body: string) => tally.answer(status, body) } : {}),
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        for (let i = 0; i < result.errors + result.timeouts; i++) tally.fail('error');
        resolve(tally.result());
      },
    );
    instance.on('response', (_client, status, _bytes, responseTime) => {
      tally.latency(responseTime);
      if (!spec.reader.readsBody) tally.answer(status, undefined);
    });
  });
}

/**
 * Open loop at `rate` requests per second, request k leaving at start + k / rate on a pool of
 * `connections` keep-alive sockets; a request that finds every socket busy waits, and the wait
 * counts in its latency (bench/paced-load.ts, with any path and headers).
 */
export async function runHttpPaced(spec: HttpRequestSpec, rate: number, connections: number, durationS: number): Promise<RowLoad> {
  const tally = new DecisionTally(spec.reader);
  await postPaced({
    url: spec.url,
    path: spec.path,
    rate,
    durationS,
    connections,
    readBodies: spec.reader.readsBody,
    request: () => ({ headers: spec.requestHeaders ? { ...spec.headers, ...spec.requestHeaders() } : (spec.headers ?? {}), body: spec.body() }),
    onAnswer: (status, body, latencyMs) => {
      tally.latency(latencyMs);
      tally.answer(status, body);
    },
    onError: () => tally.fail('error'),
  });
  return tally.result();
}

/** Answers of a protected route: 2xx admitted, 429 and 503 (limit, all carriers busy) refused. */
export const statusReader: AnswerReader = {
  decisionsPerAnswer: 1,
  readsBody: false,
  admitted: (status) => (status >= 200 && status < 300 ? 1 : status === 429 || status === 503 ? 0 : -1),
};

/** Answers of the decision API: 200 with `"allowed":true|false`, one per check. */
export function decisionReader(checks: number): AnswerReader {
  return {
    decisionsPerAnswer: checks,
    readsBody: true,
    admitted(status, body) {
      if (status !== 200 || body === undefined) return -1;
      let admitted = 0;
      for (let at = body.indexOf('"allowed":true'); at >= 0; at = body.indexOf('"allowed":true', at + 1)) admitted++;
      return admitted;
    },
  };
}
