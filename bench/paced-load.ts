/**
 * Open-loop load at a fixed rate, spread evenly over each second. autocannon's overallRate is a
 * per-connection budget per second that each connection spends back to back as soon as the
 * second starts (httpClient.js: reqsMadeThisSecond), so "half the rate" is full concurrency for
 * half of every second and then silence: its latencies are those of a burst, not of a service at
 * half load. This driver issues request k at start + k/rate on a keep-alive pool of `connections`
 * sockets; a request that finds every socket busy waits in the pool, and that wait is counted in
 * its latency, so a service that cannot keep up shows it instead of slowing the load down. The
 * requests go over raw keep-alive sockets (raw-http-pool.ts): node:http's client cost this process
 * twice the CPU, and its event-loop stalls landed in the latencies measured for the service.
 */
import { hostPort, postRequest, RawHttpPool, RequestTimeoutError, type OnAnswer, type OnError } from './raw-http-pool.js';
import { Tally, type LoadResult } from './load.js';

export interface PacedOptions {
  url: string;
  rate: number;
  durationS: number;
  connections: number;
  body: () => string;
}

export async function runPaced(options: PacedOptions): Promise<LoadResult> {
  const tally = new Tally();
  let errors = 0;
  let timeouts = 0;
  await postPaced({
    ...options,
    path: '/v1/signup',
    request: () => ({ headers: {}, body: options.body() }),
    onAnswer: (status, _body, latencyMs) => tally.response(status, latencyMs),
    // As with node:http before: a timeout is also an error (autocannon counts them the same way).
    onError: (error) => {
      errors++;
      if (error instanceof RequestTimeoutError) timeouts++;
    },
  });
  return tally.result(errors, timeouts);
}

/** One paced run of POSTs: where to, how fast, and what to do with each answer or failure. */
export interface PacedPosts {
  url: string;
  path: string;
  rate: number;
  durationS: number;
  connections: number;
  /** Decode the answers' bodies (else onAnswer gets undefined). */
  readBodies?: boolean;
  /** A fresh request (headers besides host, content-type and content-length, and the body). */
  request: () => { headers: Record<string, string>; body: string };
  onAnswer: OnAnswer;
  onError: OnError;
}

/**
 * Sends `rate` POSTs a second for `durationS` on a RawHttpPool (sendPaced's schedule) and
 * resolves once every one has been answered or has failed. The driver of runPaced and of
 * bench/limiter-load.ts's runHttpPaced, which differ only in how they count the answers.
 */
export async function postPaced(options: PacedPosts): Promise<void> {
  const target = new URL(options.path, options.url);
  const path = target.pathname + target.search;
  const pool = new RawHttpPool({ ...hostPort(target), connections: options.connections, readBodies: options.readBodies === true });
  let inFlight = 0;
  const send = () => {
    inFlight++;
    const { headers, body } = options.request();
    pool.send(
      postRequest(target.host, path, headers, body),
      (status, answer, latencyMs) => {
        inFlight--;
        options.onAnswer(status, answer, latencyMs);
      },
      (error) => {
        inFlight--;
        options.onError(error);
      },
    );
  };
  await sendPaced(options.rate, Math.round(options.rate * options.durationS), performance.now(), send);
  while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  pool.close();
}

/**
 * Calls `send` `total` times, the k-th at `started` + k / rate (performance.now() ms); resolves
 * once the last is sent. A 1 ms tick sends whatever is due, so requests leave within about a
 * millisecond of schedule.
 */
export function sendPaced(rate: number, total: number, started: number, send: () => void): Promise<void> {
  return new Promise<void>((resolve) => {
    let sent = 0;
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      for (; sent < due; sent++) send();
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
}
