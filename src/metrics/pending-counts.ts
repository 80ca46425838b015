/**
 * PendingCounts: the counts of one labelled prom-client Counter, kept on the decision path in
 * maps nested by label value and added to the counter when it is collected (every scrape and
 * every read of the registry). prom-client builds a label string and checks each label name on
 * every inc(), a few hundred ns that a flood of refusals paid on each request for each counter;
 * here a count is one map lookup per label. Series appear in the order they were first counted,
 * as they would with inc(). Bounded like the series themselves: label values are rule ids,
 * outcomes, vias, route patterns, methods and statuses.
 */
import type { Counter } from 'prom-client';

interface Series {
  labels: Record<string, string>;
  pending: number;
}

type Level = Map<string | number, Level | Series>;

export class PendingCounts<L extends string> {
  private readonly root: Level = new Map();
  /** Every series counted so far, in the order it was first counted. */
  private readonly series: Series[] = [];

  constructor(private readonly labelNames: readonly L[]) {}

  /** Counts one event with these label values, given in the order of labelNames (numbers are written as text). */
  count(...values: Array<string | number>): void {
    let level = this.root;
    const last = this.labelNames.length - 1;
    for (let i = 0; i < last; i++) {
      let next = level.get(values[i]!) as Level | undefined;
      if (!next) level.set(values[i]!, (next = new Map()));
      level = next;
    }
    const found = level.get(values[last]!) as Series | undefined;
    if (found) {
      found.pending++;
      return;
    }
    const labels: Record<string, string> = {};
    this.labelNames.forEach((name, i) => (labels[name] = String(values[i])));
    const series = { labels, pending: 1 };
    level.set(values[last]!, series);
    this.series.push(series);
  }

  /** Adds what was counted since the last flush to the counter (its collect() calls this). */
  flushInto(counter: Counter<L>): void {
    for (const series of this.series) {
      if (series.pending === 0) continue;
      counter.inc(series.labels as Partial<Record<L, string>>, series.pending);
      series.pending = 0;
    }
  }
}
