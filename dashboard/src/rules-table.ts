/**
 * The rules in force (GET /v1/admin/rules) with what each has decided (GET /metrics): decisions
 * and refusals per second since the last scrape, and in all since the service started. The
 * busiest rules come first.
 */
import type { RuleInForce } from './admin-api.js';
import type { RuleRates } from './decision-rates.js';
import { formatRate, h, replaceChildren } from './dom.js';

const HEADINGS = ['Rule', 'Source', 'Mode', 'Limits', 'Hits/s', 'Refused/s', 'Hits', 'Refused', 'Refused %'];

/** `rated`: two scrapes have been compared, so a rule with no decisions is at 0/s (not unknown). */
export function renderRulesTable(container: HTMLElement, rules: readonly RuleInForce[], rates: Readonly<Record<string, RuleRates>>, rated: boolean): void {
  const perSecond = (value: number | undefined) => (value === undefined ? (rated ? '0' : '–') : formatRate(value));
  // Busy rules first (most refusals, then most decisions); quiet ones keep their order below.
  const busy = (rule: RuleInForce) => [rates[rule.id]?.refused ?? 0, rates[rule.id]?.decisions ?? 0] as const;
  const ordered = [...rules].sort((a, b) => busy(b)[0] - busy(a)[0] || busy(b)[1] - busy(a)[1]);
  const rows = ordered.map((rule) => {
    const r = rates[rule.id];
    const share = r && r.decisions > 0 ? `${((100 * r.refused) / r.decisions).toFixed(1)} %` : '–';
    return h(
      'tr',
      { data: { rule: rule.id }, className: (r?.refusedPerSecond ?? 0) > 0 ? 'refusing' : '' },
      h('td', { className: 'mono' }, rule.id),
      h('td', { className: 'muted' }, rule.source),
      h('td', {}, modeOf(rule)),
      h('td', {}, limitsOf(rule)),
      h('td', { className: 'num', data: { field: 'hits-rate' } }, perSecond(r?.decisionsPerSecond)),
      h('td', { className: 'num', data: { field: 'refused-rate' } }, perSecond(r?.refusedPerSecond)),
      h('td', { className: 'num', data: { field: 'hits' } }, r ? r.decisions.toLocaleString('en-US') : '0'),
      h('td', { className: 'num', data: { field: 'refused' } }, r ? r.refused.toLocaleString('en-US') : '0'),
      h('td', { className: 'num' }, share),
    );
  });
  replaceChildren(
    container,
    h(
      'table',
      { data: { role: 'rules' } },
      h('thead', {}, h('tr', {}, ...HEADINGS.map((text) => h('th', {}, text)))),
      h('tbody', {}, ...(rows.length > 0 ? rows : [h('tr', {}, h('td', { attrs: { colspan: String(HEADINGS.length) } }, 'No rules in force.'))])),
    ),
  );
}

function modeOf(rule: RuleInForce): string {
  if (rule.mode === 'shadow') return `shadow (${rule.shadowRefusals ?? 0} would-be refusals)`;
  return rule.mode ?? 'enforce';
}

function limitsOf(rule: RuleInForce): string {
  const limits = rule.definition?.limits;
  if (!Array.isArray(limits) || limits.length === 0) return '–';
  return limits.map((l) => `${l.count}/${l.window}`).join(', ');
}
