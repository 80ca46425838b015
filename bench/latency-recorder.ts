/**
 * Every response time of a run, kept exactly. autocannon's own histogram has 1 ms resolution and,
 * with a rate set, "corrects" each latency against an expected interval of ceil(1 / per-connection
 * rate) ms, which inflates low percentiles; sub-millisecond differences (the 2 ms p50 budget) need
 * the raw values, which cost 8 bytes per request.
 */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export class LatencyRecorder {
  private values = new Float64Array(1 << 16);
  private size = 0;

  record(ms: number): void {
    if (this.size === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.size++] = ms;
  }

  get count(): number {
    return this.size;
  }

  summary(): LatencySummary {
    const sorted = this.values.slice(0, this.size).sort();
    // Nearest rank: the smallest value with at least q of all values at or below it.
    const at = (q: number) => (this.size === 0 ? Number.NaN : sorted[Math.min(this.size - 1, Math.ceil(q * this.size) - 1)]!);
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      count: this.size,
      mean: round(this.size === 0 ? Number.NaN : sum / this.size),
      p50: round(at(0.5)),
      p99: round(at(0.99)),
      p999: round(at(0.999)),
      max: round(this.size === 0 ? Number.NaN : sorted[this.size - 1]!),
    };
  }
}

/** Latencies are reported in ms with 0.01 ms precision. */
function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** The median of a list (the middle value, or the mean of the two middle ones). */
export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 === 1 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}
