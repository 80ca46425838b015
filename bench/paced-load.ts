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
import { hostPort, postRequest, RawHttpPool, RequestTimeoutError } from './raw-http-pool.js';
import { Tally, type LoadResult } from './load.js';

export interface PacedOptions {
  url: string;
  rate: number;
  durationS: number;
  connections: number;
  body: () => string;
}

export async function runPaced(options: PacedOptions): Promise<LoadResult> {
  const target = new URL('/v1/signup', options.url);
  const pool = new RawHttpPool({ ...hostPort(target), connections: options.connections });
  const tally = new Tally();
  let errors = 0;
  let timeouts = 0;
  let inFlight = 0;
  const total = Math.round(options.rate * options.durationS);
  const started = performance.now();

  const send = () => {
    inFlight++;
    pool.send(
      postRequest(target.host, target.pathname + target.search, {}, options.body()),
      (status, _body, latencyMs) => {
        inFlight--;
        tally.response(status, latencyMs);
      },
      // As with node:http before: a timeout is also an error (autocannon counts them the same way).
      (error) => {
        inFlight--;
        errors++;
        if (error instanceof RequestTimeoutError) timeouts++;
      },
    );
  };

  await sendPaced(options.rate, total, started, send);
  while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  pool.close();
  return tally.result(errors, timeouts);
}

/**
 * Calls `send` `total` times, the k-th at `started` + k / rate (performance.now() ms); resolves
 * once the last is sent. A 1 ms tick sends whatever is due, so requests leave within about a
 * millisecond of schedule. Shared by this driver and bench/limiter-load.ts's.
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
