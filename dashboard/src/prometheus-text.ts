/**
 * parsePrometheusText: the samples of a Prometheus text exposition (what GET /metrics answers),
 * enough for the dashboard to read counters and gauges. The dashboard reads the same scrape an
 * operator's Prometheus reads, so the picture and the alerts never disagree about a number.
 * DOM-free: unit-tested under Node.
 */

/** One line of the exposition: a metric name, its labels and its value. */
export interface Sample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

/** Every sample of `text`; comment lines (HELP, TYPE) and lines that do not parse are skipped. */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseLine(line);
    if (sample) samples.push(sample);
  }
  return samples;
}

/** The samples named `name`, optionally only those whose labels include `where`. */
export function samplesOf(samples: readonly Sample[], name: string, where: Readonly<Record<string, string>> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v));
}

/** The sum of the samples named `name` (0 when there is none). */
export function sumOf(samples: readonly Sample[], name: string, where: Readonly<Record<string, string>> = {}): number {
  return samplesOf(samples, name, where).reduce((total, s) => total + s.value, 0);
}

function parseLine(line: string): Sample | undefined {
  const name = NAME.exec(line)?.[0];
  if (name === undefined) return undefined;
  let rest = line.slice(name.length);
  let labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    const parsed = parseLabels(rest);
    if (!parsed) return undefined;
    labels = parsed.labels;
    rest = rest.slice(parsed.length);
  }
  // The value, then an optional timestamp that the dashboard has no use for.
  const value = parseValue(rest.trim().split(/\s+/)[0] ?? '');
  return value === undefined ? undefined : { name, labels, value };
}

/** `{a="x",b="y\"z"}` at the start of `text`: the labels and how many characters they took. */
function parseLabels(text: string): { labels: Record<string, string>; length: number } | undefined {
  const labels: Record<string, string> = {};
  let i = 1;
  for (;;) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (text[i] === '}') return { labels, length: i + 1 };
    const key = NAME.exec(text.slice(i))?.[0];
    if (key === undefined || text[i + key.length] !== '=' || text[i + key.length + 1] !== '"') return undefined;
    i += key.length + 2;
    let value = '';
    for (; i < text.length && text[i] !== '"'; i++) {
      if (text[i] !== '\\') {
        value += text[i];
        continue;
      }
      const escaped = text[++i];
      value += escaped === 'n' ? '\n' : (escaped ?? '');
    }
    if (i >= text.length) return undefined;
    labels[key] = value;
    i++;
  }
}

function parseValue(token: string): number | undefined {
  if (token === '+Inf' || token === 'Inf') return Infinity;
  if (token === '-Inf') return -Infinity;
  if (token === 'NaN') return NaN;
  if (token === '' || !/^[-+0-9.eE]+$/.test(token)) return undefined;
  const value = Number(token);
  return Number.isNaN(value) ? undefined : value;
}
