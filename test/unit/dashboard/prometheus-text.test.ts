import { describe, expect, it } from 'vitest';
import { parsePrometheusText, samplesOf, sumOf } from '../../../dashboard/src/prometheus-text.js';

const SCRAPE = [
  '# HELP tollgate_decisions_total Throttle decisions per rule.',
  '# TYPE tollgate_decisions_total counter',
  'tollgate_decisions_total{rule="signup-per-phone",outcome="admitted",kind="window",via="store"} 5',
  'tollgate_decisions_total{rule="signup-per-phone",outcome="limited",kind="window",via="cache"} 2',
  'tollgate_decisions_total{rule="rules:a/b",outcome="limited",kind="window",via="store"} 1e3',
  'tollgate_rule_set_info{version="d4edc3cf6a5bea2b"} 1',
  'tollgate_http_request_seconds_bucket{le="+Inf",route="/admin/",method="GET"} 1',
  'process_start_time_seconds 1795658823 1795658823000',
  'nodejs_gc_duration_seconds_sum NaN',
  'odd_gauge -Inf',
  '',
].join('\n');

describe('parsePrometheusText', () => {
  it('reads names, labels and values, and skips HELP and TYPE lines', () => {
    const samples = parsePrometheusText(SCRAPE);
    expect(samples).toHaveLength(8);
    expect(samples[0]).toEqual({ name: 'tollgate_decisions_total', labels: { rule: 'signup-per-phone', outcome: 'admitted', kind: 'window', via: 'store' }, value: 5 });
    expect(samplesOf(samples, 'tollgate_rule_set_info')[0]!.labels.version).toBe('d4edc3cf6a5bea2b');
    expect(samplesOf(samples, 'tollgate_http_request_seconds_bucket')[0]!.labels.le).toBe('+Inf');
  });

  it('reads exponents, special values and a trailing timestamp', () => {
    const samples = parsePrometheusText(SCRAPE);
    expect(samplesOf(samples, 'tollgate_decisions_total', { rule: 'rules:a/b' })[0]!.value).toBe(1000);
    expect(samplesOf(samples, 'process_start_time_seconds')[0]!.value).toBe(1795658823);
    expect(samplesOf(samples, 'nodejs_gc_duration_seconds_sum')[0]!.value).toBeNaN();
    expect(samplesOf(samples, 'odd_gauge')[0]!.value).toBe(-Infinity);
  });

  it('unescapes label values: backslash, quote and newline', () => {
    const [sample] = parsePrometheusText('m{a="x\\\\y",b="say \\"hi\\"",c="one\\ntwo",d="{,}"} 1');
    expect(sample!.labels).toEqual({ a: 'x\\y', b: 'say "hi"', c: 'one\ntwo', d: '{,}' });
  });

  it('skips lines that do not parse instead of failing the whole scrape', () => {
    expect(parsePrometheusText('m{a="unterminated} 1\n{x="1"} 2\nm{a="1"} words\nok 3')).toEqual([{ name: 'ok', labels: {}, value: 3 }]);
  });

  it('sums samples by name and labels', () => {
    const samples = parsePrometheusText(SCRAPE);
    expect(sumOf(samples, 'tollgate_decisions_total', { rule: 'signup-per-phone' })).toBe(7);
    expect(sumOf(samples, 'tollgate_decisions_total', { outcome: 'limited' })).toBe(1002);
    expect(sumOf(samples, 'absent_total')).toBe(0);
  });
});
