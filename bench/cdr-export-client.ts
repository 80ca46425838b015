/**
 * One export as a client sees it, and the service's memory meanwhile. A fast reader takes every
 * chunk as it comes; a slow reader holds to `bytesPerSecond` by pausing the response (so TCP's
 * flow control, and then the service's backpressure, are what slow the export down). The
 * service's peak RSS is its VmHWM, reset before the export through /proc/<pid>/clear_refs, and
 * VmRSS sampled every 50 ms as a check.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { cpuSeconds } from './process-cpu.js';

export interface ExportRun {
  ms: number;
  /** Time to the first byte of the body. */
  firstByteMs: number;
  bytes: number;
  /** Records (lines, less the CSV header). */
  rows: number;
  rowsPerSecond: number;
  /** The service's peak resident set during the export, MiB. */
  peakRssMb: number;
  /** The service's resident set just before the export, MiB. */
  rssBeforeMb: number;
  /** CPU seconds the service spent on the export. */
  serviceCpuS: number;
}

export interface ExportRequest {
  url: string;
  authorization: string;
  header: boolean;
  /** undefined: read as fast as possible. */
  bytesPerSecond?: number | undefined;
}

export async function exportOnce(pid: number, request: ExportRequest): Promise<ExportRun> {
  const rssBeforeMb = status(pid, 'VmRSS');
  const peakWasReset = resetPeak(pid);
  let sampledPeak = rssBeforeMb;
  const sampler = setInterval(() => (sampledPeak = Math.max(sampledPeak, status(pid, 'VmRSS'))), 50);
  const cpuBefore = cpuSeconds(pid);
  const started = performance.now();
  try {
    const { bytes, newlines, firstByteMs } = await read(request, started);
    const ms = performance.now() - started;
    const rows = newlines - (request.header ? 1 : 0);
    return {
      ms: Math.round(ms),
      firstByteMs: Math.round(firstByteMs),
      bytes,
      rows,
      rowsPerSecond: Math.round(rows / (ms / 1000)),
      peakRssMb: round1(peakWasReset ? Math.max(sampledPeak, status(pid, 'VmHWM')) : sampledPeak),
      rssBeforeMb: round1(rssBeforeMb),
      serviceCpuS: round1(cpuSeconds(pid) - cpuBefore),
    };
  } finally {
    clearInterval(sampler);
  }
}

function read(request: ExportRequest, started: number): Promise<{ bytes: number; newlines: number; firstByteMs: number }> {
  return new Promise((resolve, reject) => {
    get(request.url, { headers: { authorization: request.authorization } }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        return reject(new Error(`export answered ${response.statusCode}`));
      }
      let bytes = 0;
      let newlines = 0;
      let firstByteMs = 0;
      response.on('data', (chunk: Buffer) => {
        if (bytes === 0) firstByteMs = performance.now() - started;
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
        if (request.bytesPerSecond === undefined) return;
        // Ahead of the allowed pace: stop reading until the pace catches up.
        const aheadMs = (bytes / request.bytesPerSecond) * 1000 - (performance.now() - started);
        if (aheadMs > 5) {
          response.pause();
          setTimeout(() => response.resume(), aheadMs);
        }
      });
      response.once('end', () => resolve({ bytes, newlines, firstByteMs }));
      response.once('error', reject);
    }).once('error', reject);
  });
}

/** A field of /proc/<pid>/status in MiB (NaN when unreadable). */
function status(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Resets VmHWM to the current RSS (Linux 4.0+: "5" to clear_refs). false: refused, and VmHWM covers the process's whole life. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

const round1 = (n: number) => Math.round(n * 10) / 10;
