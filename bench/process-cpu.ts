/**
 * CPU time and memory of other processes (the service, the Cassandra JVM, redis-server), read
 * from /proc so that nothing has to be installed in them. utime + stime counts every thread,
 * which for the JVM includes compaction and GC: that is the cost a deployment pays.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second for /proc/<pid>/stat (USER_HZ; 100 on Linux, but ask). */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds the process has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (field 14) is fields[11] and stime (field 15) fields[12].
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Resident set size in MiB (VmRSS), or NaN when the process is gone. */
export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** This process (the load generator) in the same unit. */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

export type CpuReading = Record<string, number>;

/**
 * Named processes measured together over one run: start() before, stop() after gives the CPU
 * seconds each spent in between (a name whose pid is undefined is skipped), plus `loadgen` (this
 * process) and `other`: every other process on the machine, found by scanning /proc. `other` is
 * the disturbance gauge of a shared machine (another session's tests, a compiler); it misses
 * processes that both started and ended within the run. The kernel's /proc/stat totals are not
 * used for this: on this VM they disagree with the per-process counters by several percent.
 */
export class CpuMeter {
  private before: { named: CpuReading; others: Map<number, number> } | undefined;

  constructor(private readonly pids: Record<string, number | undefined>) {}

  start(): void {
    this.before = { named: this.readNamed(), others: this.readOthers() };
  }

  stop(): CpuReading {
    if (!this.before) throw new Error('CpuMeter.stop() before start()');
    const named = this.readNamed();
    const out: CpuReading = {};
    for (const [name, seconds] of Object.entries(named)) out[name] = round3(seconds - (this.before.named[name] ?? 0));
    let other = 0;
    for (const [pid, seconds] of this.readOthers()) other += seconds - (this.before.others.get(pid) ?? 0);
    out.other = round3(other);
    return out;
  }

  private readNamed(): CpuReading {
    const reading: CpuReading = { loadgen: ownCpuSeconds() };
    for (const [name, pid] of Object.entries(this.pids)) {
      if (pid !== undefined) reading[name] = cpuSeconds(pid);
    }
    return reading;
  }

  private readOthers(): Map<number, number> {
    const mine = new Set([process.pid, ...Object.values(this.pids).filter((p): p is number => p !== undefined)]);
    const others = new Map<number, number>();
    for (const entry of readdirSync('/proc')) {
      const pid = Number(entry);
      if (!Number.isInteger(pid) || mine.has(pid)) continue;
      try {
        others.set(pid, cpuSeconds(pid));
      } catch {
        // Gone between the listing and the read.
      }
    }
    return others;
  }
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
