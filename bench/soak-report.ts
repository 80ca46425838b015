/**
 * The soak's report: one row per minute, and for each of RSS, p99 and rows the drift over the
 * steady state. Steady state starts once the first rows can have expired (the row TTL, rounded
 * up, plus a minute); drift compares the median of its last third with the median of its first
 * third, so one noisy minute on the shared machine does not decide "flat" either way.
 */
import { median } from './latency-recorder.js';

export interface SoakMinute {
  minute: number;
  rps: number;
  p50: number;
  p99: number;
  p999: number;
  admitted: number;
  denied: number;
  /** Anything but 201 and 429, plus transport errors and timeouts. */
  other: number;
  /** What `other` was: status codes, transport errors, timeouts. */
  otherCodes: Record<string, number>;
  serviceRssMb: number;
  cassandraRssMb: number;
  rows: number;
}

export interface SoakReport {
  date: string;
  rate: number;
  maxRps: number;
  pool: number;
  rowTtlS: number;
  limits: Array<{ count: number; window: string }>;
  connections: number;
  minutes: SoakMinute[];
}

/** A drift within this fraction of the first third's median counts as flat. */
export const FLAT_WITHIN = 0.1;

export interface Drift {
  first: number;
  last: number;
  /** (last - first) / first. */
  change: number;
  flat: boolean;
}

export function drift(values: readonly number[]): Drift {
  const third = Math.max(1, Math.floor(values.length / 3));
  const first = median(values.slice(0, third));
  const last = median(values.slice(-third));
  const change = (last - first) / first;
  return { first, last, change, flat: Math.abs(change) <= FLAT_WITHIN };
}

export function steadyMinutes(report: SoakReport): SoakMinute[] {
  const from = Math.ceil(report.rowTtlS / 60) + 1;
  return report.minutes.filter((m) => m.minute > from);
}

export function renderSoak(report: SoakReport): string {
  const steady = steadyMinutes(report);
  const limits = report.limits.map((l) => `${l.count}/${l.window}`).join(' and ');
  const lines = [
    `# Soak ${report.date}`,
    '',
    `${report.minutes.length} min at ${report.rate} req/s (measured max ${report.maxRps} req/s), ${report.connections} connections; rule ${limits} per phone, row TTL ${report.rowTtlS} s;`,
    `95% of requests from ${report.pool} returning callers, 5% from 20 abusive ones. Rows counted by a paged scan 20 s into each minute.`,
    '',
    '| min | req/s | p50 ms | p99 ms | p99.9 ms | 201 | 429 | other | service RSS MB | Cassandra RSS MB | calls rows |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...report.minutes.map(
      (m) => `| ${m.minute} | ${m.rps} | ${m.p50} | ${m.p99} | ${m.p999} | ${m.admitted} | ${m.denied} | ${otherOf(m)} | ${m.serviceRssMb} | ${m.cassandraRssMb} | ${m.rows} |`,
    ),
    '',
  ];
  if (steady.length < 3) {
    lines.push(`Too short for a steady state (it starts after minute ${Math.ceil(report.rowTtlS / 60) + 1}): no verdict.`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    `Steady state: minutes ${steady[0]!.minute}-${steady.at(-1)!.minute}; drift = median of its last third vs its first third, flat within ±${FLAT_WITHIN * 100}%.`,
    '',
    '| measure | first third | last third | drift | flat |',
    '| --- | --- | --- | --- | --- |',
  );
  const measures: Array<[string, (m: SoakMinute) => number]> = [
    ['service RSS MB', (m) => m.serviceRssMb],
    ['p99 ms', (m) => m.p99],
    ['calls rows', (m) => m.rows],
    ['Cassandra RSS MB', (m) => m.cassandraRssMb],
  ];
  for (const [name, of] of measures) {
    const d = drift(steady.map(of).filter(Number.isFinite));
    lines.push(`| ${name} | ${d.first} | ${d.last} | ${(d.change * 100).toFixed(1)}% | ${d.flat ? 'yes' : 'no'} |`);
  }
  const other = report.minutes.reduce((sum, m) => sum + m.other, 0);
  lines.push('', `Answers other than 201/429 over the whole run: ${other}.`);
  return `${lines.join('\n')}\n`;
}

function otherOf(m: SoakMinute): string {
  const codes = Object.entries(m.otherCodes ?? {});
  return codes.length === 0 ? String(m.other) : `${m.other} (${codes.map(([c, n]) => `${c}: ${n}`).join(', ')})`;
}
