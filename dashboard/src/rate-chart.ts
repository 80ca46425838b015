/**
 * RateChart: a uPlot line chart of per-second rates over the last few minutes, one line per name.
 * Names may appear later (a rule's first refusal, an outcome first seen): the chart is rebuilt
 * with the new line, at zero before it appeared (nothing was counted under that name then). The container's data-points and data-peak say what
 * is drawn, for the browser test and for anyone reading the DOM.
 */
import uPlot from 'uplot';

export interface RateChartOptions {
  /** Fixed colours by name; other names take the palette in turn. */
  colors?: Readonly<Record<string, string>>;
  /** Names drawn from the start, in legend order. */
  names?: readonly string[];
  /** Points kept (at one scrape each). */
  maxPoints: number;
  height: number;
}

/** Tick steps of the time axis, in seconds. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600];

const PALETTE = ['#2563eb', '#db2777', '#ea580c', '#16a34a', '#7c3aed', '#0891b2', '#ca8a04', '#4b5563'];

export class RateChart {
  private readonly names: string[] = [];
  private readonly colors = new Map<string, string>();
  private readonly times: number[] = [];
  private readonly values = new Map<string, Array<number | null>>();
  private plot: uPlot | undefined;

  constructor(
    private readonly container: HTMLElement,
    private readonly options: RateChartOptions,
  ) {
    for (const name of options.names ?? []) this.addName(name);
    new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: options.height })).observe(container);
  }

  /** Adds one point per name at `atMs`; a known name missing from `rates` is drawn at 0. */
  push(atMs: number, rates: Readonly<Record<string, number>>): void {
    let rebuild = this.plot === undefined;
    for (const name of Object.keys(rates)) {
      if (this.values.has(name)) continue;
      this.addName(name);
      rebuild = true;
    }
    this.times.push(atMs / 1000);
    for (const name of this.names) this.values.get(name)!.push(rates[name] ?? 0);
    if (this.times.length > this.options.maxPoints) {
      this.times.shift();
      for (const series of this.values.values()) series.shift();
    }
    const data: uPlot.AlignedData = [this.times, ...this.names.map((name) => this.values.get(name)!)];
    if (rebuild) {
      this.plot?.destroy();
      this.plot = new uPlot(this.plotOptions(), data, this.container);
    } else {
      this.plot!.setData(data);
    }
    const peak = Math.max(0, ...[...this.values.values()].flat().map((v) => v ?? 0));
    this.container.dataset.points = String(this.times.length);
    this.container.dataset.peak = String(peak);
  }

  private addName(name: string): void {
    this.names.push(name);
    this.colors.set(name, this.options.colors?.[name] ?? PALETTE[(this.names.length - 1) % PALETTE.length]!);
    this.values.set(name, this.times.map(() => 0));
  }

  private width(): number {
    return Math.max(300, this.container.clientWidth);
  }

  private plotOptions(): uPlot.Options {
    return {
      width: this.width(),
      height: this.options.height,
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [
        // Whole seconds as clock times: a few minutes of scrapes never need uPlot's sub-second ticks.
        { stroke: '#475569', grid: { stroke: '#e2e8f0' }, space: 70, incrs: TIME_STEPS, values: (_u, splits) => splits.map((s) => new Date(s * 1000).toLocaleTimeString()) },
        { stroke: '#475569', grid: { stroke: '#e2e8f0' }, label: 'per second', size: 56 },
      ],
      series: [
        { value: (_u, v) => (v === null ? '' : new Date(v * 1000).toLocaleTimeString()) },
        ...this.names.map((name) => ({
          label: name,
          stroke: this.colors.get(name)!,
          width: 2,
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : v.toFixed(2)),
        })),
      ],
      legend: { live: true },
    };
  }
}
