/**
 * Steady signup load against running services, tallied by phase (for the fault runs:
 * `npm run outage` and `npm run node-loss`). Every answer is counted under its status and, for
 * errors, its code ("503 THROTTLE_UNAVAILABLE" and "503 SERVICE_UNAVAILABLE" mean different
 * things); a request that gets no answer is counted as a transport error. Latency is recorded per
 * phase, so "every decision ends within its deadline" can be read off the phase's max.
 */
import { LatencyRecorder } from '../bench/latency-recorder.js';
import { phoneAt } from '../bench/phones.js';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Phase {
  name: string;
  answers: Map<string, number>;
  latency: LatencyRecorder;
  health: Map<number, number>;
}

/** Hands out phone numbers no other request of the run used. */
export class PhoneSource {
  constructor(private next: number) {}
  take(): string {
    return phoneAt(this.next++);
  }
}

export class PhasedLoad {
  readonly phases: Phase[] = [];
  private current: Phase | undefined;

  /** Starts a new phase (answers from now on count there); `undefined` pauses the tally. */
  enter(name: string | undefined): void {
    this.current = name === undefined ? undefined : { name, answers: new Map(), latency: new LatencyRecorder(), health: new Map() };
    if (this.current) this.phases.push(this.current);
  }

  /** One signup; returns "201", "429", "503 SERVICE_UNAVAILABLE"... or "error: <cause>". */
  async signup(url: string, phone: string): Promise<string> {
    const started = performance.now();
    let answer: string;
    try {
      const response = await fetch(`${url}/v1/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone }) });
      const text = await response.text();
      answer = response.status < 300 || response.status === 429 ? String(response.status) : `${response.status} ${codeOf(text)}`;
      this.current?.latency.record(performance.now() - started);
    } catch (error) {
      answer = `error: ${(error as Error).cause ?? (error as Error).message}`;
    }
    if (this.current) this.current.answers.set(answer, (this.current.answers.get(answer) ?? 0) + 1);
    return answer;
  }

  /** `rate` signups a second for ever-new numbers (each under its limit) until `stop.done`. */
  async steady(url: string, rate: number, phones: PhoneSource, stop: { done: boolean }): Promise<void> {
    const perTick = Math.max(1, Math.round(rate / 10));
    while (!stop.done) {
      const tick = performance.now();
      await Promise.all(Array.from({ length: perTick }, () => this.signup(url, phones.take())));
      await sleep(Math.max(0, 100 - (performance.now() - tick)));
    }
  }

  async sampleHealth(url: string): Promise<number> {
    const status = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.status, () => 0);
    if (this.current) this.current.health.set(status, (this.current.health.get(status) ?? 0) + 1);
    return status;
  }

  /** A markdown table row per phase: answers, p50/p99/max latency, /healthz, and an optional extra column. */
  table(extra?: { head: string; of: (phase: Phase) => string }): string {
    const lines = [
      `| phase | answers | p50 ms | p99 ms | max ms | /healthz |${extra ? ` ${extra.head} |` : ''}`,
      `| --- | --- | --- | --- | --- | --- |${extra ? ' --- |' : ''}`,
    ];
    for (const p of this.phases) {
      const answers = [...p.answers].sort().map(([s, n]) => `${s}: ${n}`).join(', ');
      const health = [...p.health].sort().map(([s, n]) => `${s}×${n}`).join(', ');
      const l = p.latency.summary();
      lines.push(`| ${p.name} | ${answers} | ${l.p50.toFixed(1)} | ${l.p99.toFixed(1)} | ${l.max.toFixed(1)} | ${health} |${extra ? ` ${extra.of(p)} |` : ''}`);
    }
    return lines.join('\n');
  }
}

function codeOf(body: string): string {
  try {
    return (JSON.parse(body) as { error?: { code?: string } }).error?.code ?? '?';
  } catch {
    return '?';
  }
}
