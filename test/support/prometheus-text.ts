/**
 * Scrapes of /metrics for assertions: the samples, read with the dashboard's parser (the same
 * reading the operator's page makes), plus each metric family's TYPE and HELP, which the
 * dashboard has no use for. Strict where the dashboard is lenient: a line that does not parse
 * fails the test instead of being skipped.
 */
import { parsePrometheusText, samplesOf, sumOf, type Sample } from '../../dashboard/src/prometheus-text.js';

export interface Exposition {
  samples: Sample[];
  /** Family name -> counter | gauge | histogram | summary | untyped. */
  types: Map<string, string>;
  help: Map<string, string>;
}

export function parseExposition(text: string): Exposition {
  const exposition: Exposition = { samples: parsePrometheusText(text), types: new Map(), help: new Map() };
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  for (const meta of lines.map((line) => /^# (TYPE|HELP) (\S+) (.*)$/.exec(line)).filter((m) => m !== null)) {
    (meta[1] === 'TYPE' ? exposition.types : exposition.help).set(meta[2]!, meta[3]!);
  }
  // prom-client writes NaN as "Nan" (an event-loop statistic before its first sample); Prometheus
  // reads it (case-insensitively), the dashboard's parser skips it, and so does this count.
  const sampleLines = lines.filter((line) => !line.startsWith('#') && !/ nan$/i.test(line));
  if (sampleLines.length !== exposition.samples.length) throw new Error(`${sampleLines.length - exposition.samples.length} sample lines do not parse`);
  return exposition;
}

/** The sum of the samples of `name` whose labels include `labels` (0 when there are none). */
export const total = (exposition: Exposition, name: string, labels: Record<string, string> = {}): number => sumOf(exposition.samples, name, labels);

/** The samples of `name` whose labels include `labels`. */
export const seriesOf = (exposition: Exposition, name: string, labels: Record<string, string> = {}): Sample[] => samplesOf(exposition.samples, name, labels);

/** GET /metrics of a running app, parsed (the raw text too, for searches). */
export async function scrape(baseUrl: string): Promise<Exposition & { text: string; contentType: string | null }> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  const text = await response.text();
  return { ...parseExposition(text), text, contentType: response.headers.get('content-type') };
}
