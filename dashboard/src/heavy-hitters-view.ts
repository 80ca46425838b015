/**
 * Heavy hitters of one rule (GET /v1/admin/top): the callers most refused and most admitted over
 * the last minute, hour or day, by partition key (the hash the service keys them by; the raw
 * phone, email or address is shown only where TOP_K_SHOW_KEYS allows it). Each has one-click Inspect (GET /v1/admin/limits) and
 * Reset (POST /v1/admin/limits/reset), both by that hash.
 *
 * A raw key typed in "Find a key" is inspected by that key (the service normalises and hashes it),
 * and its hash is marked in the lists: the way from a complaint ("my number is blocked") to a row.
 *
 * Until the operator picks a rule, the one with the most refusals is shown, so an attack is on
 * screen without a click.
 */
import { ApiError, type AdminApi, type HeavyHitter, type LimitReport, type TopReport, type TopWindow } from './admin-api.js';
import { h, replaceChildren } from './dom.js';

const WINDOWS: readonly TopWindow[] = ['1m', '1h', '1d'];
const K = 10;

export class HeavyHittersView {
  private readonly ruleSelect = h('select', { attrs: { 'aria-label': 'Rule', name: 'rule' }, data: { role: 'top-rule' } });
  private readonly windowSelect = h('select', { attrs: { 'aria-label': 'Window', name: 'window' }, data: { role: 'top-window' } }, ...WINDOWS.map((w) => h('option', { attrs: { value: w } }, `last ${w}`)));
  private readonly tables = h('div', { className: 'top-tables' });
  private readonly meta = h('span', { className: 'muted' });
  private readonly detail = h('div', { className: 'detail', data: { role: 'top-detail' }, attrs: { 'aria-live': 'polite' } });
  private readonly keyInput = h('input', { attrs: { type: 'search', name: 'key', placeholder: 'phone, email, address…', 'aria-label': 'Find a raw key' }, data: { role: 'find-key' } });
  private marked = new Set<string>();
  private picked = false;
  private shown = '';

  constructor(
    container: HTMLElement,
    private readonly api: AdminApi,
  ) {
    this.ruleSelect.addEventListener('change', () => {
      this.picked = true;
      void this.refresh();
    });
    this.windowSelect.addEventListener('change', () => void this.refresh());
    const find = h('form', { className: 'find' }, h('label', {}, 'Find a key ', this.keyInput), h('button', { type: 'submit' }, 'Find'));
    find.addEventListener('submit', (event) => {
      event.preventDefault();
      if (this.keyInput.value.trim() !== '') void this.findKey(this.ruleSelect.value, this.keyInput.value.trim());
    });
    replaceChildren(container, h('div', { className: 'controls' }, h('label', {}, 'Rule ', this.ruleSelect), h('label', {}, 'Window ', this.windowSelect), find, this.meta), this.tables, this.detail);
  }

  /** The rules to choose from, and which has refused most (shown until the operator picks one). */
  setRules(ids: readonly string[], mostRefused: string | undefined): void {
    const current = this.ruleSelect.value;
    if ([...this.ruleSelect.options].map((o) => o.value).join('\n') !== ids.join('\n')) {
      replaceChildren(this.ruleSelect, ...ids.map((id) => h('option', { attrs: { value: id } }, id)));
      if (ids.includes(current)) this.ruleSelect.value = current;
    }
    if (!this.picked && mostRefused !== undefined && ids.includes(mostRefused)) this.ruleSelect.value = mostRefused;
  }

  async refresh(): Promise<void> {
    const rule = this.ruleSelect.value;
    if (rule === '') return;
    const report = await this.api.top(rule, this.windowSelect.value as TopWindow, K);
    this.meta.textContent = `${report.instances} instance${report.instances === 1 ? '' : 's'}, as of ${new Date(report.generatedAt).toLocaleTimeString()}`;
    // Rebuilt only when the list changes, so a button is never swapped out under the pointer.
    const shown = JSON.stringify([report.rule, report.window, report.refused, report.admitted, [...this.marked]]);
    if (shown === this.shown) return;
    this.shown = shown;
    replaceChildren(this.tables, this.table('Most refused', 'refused', report), this.table('Most admitted', 'admitted', report));
  }

  private table(title: string, list: 'refused' | 'admitted', report: TopReport): HTMLElement {
    const hitters = report[list];
    return h(
      'div',
      { className: 'top-list', data: { role: `top-${list}` } },
      h('h3', {}, title),
      hitters.length === 0
        ? h('p', { className: 'muted' }, `No ${list} requests under ${report.rule} in the last ${report.window}.`)
        : h(
            'table',
            {},
            h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'Caller (key hash)'), h('th', {}, 'Requests'), h('th', {}, ''))),
            h('tbody', {}, ...hitters.map((hitter, i) => this.row(report.rule, hitter, i + 1))),
          ),
    );
  }

  private row(rule: string, hitter: HeavyHitter, rank: number): HTMLElement {
    return h(
      'tr',
      { data: { caller: hitter.caller }, className: this.marked.has(hitter.caller) ? 'marked' : '' },
      h('td', { className: 'num' }, rank),
      h('td', { className: 'mono', title: hitter.caller }, `${hitter.caller.slice(0, 16)}…`, hitter.key === undefined ? null : h('span', { className: 'key' }, ` ${hitter.key}`)),
      h('td', { className: 'num', title: hitter.error > 0 ? `may be over-counted by up to ${hitter.error}` : 'exact' }, hitter.count.toLocaleString('en-US'), hitter.error > 0 ? h('span', { className: 'muted' }, ` ±${hitter.error}`) : null),
      h(
        'td',
        { className: 'actions' },
        h('button', { type: 'button', data: { action: 'inspect' }, onClick: () => void this.inspect(rule, hitter.caller) }, 'Inspect'),
        h('button', { type: 'button', className: 'danger', data: { action: 'reset' }, onClick: () => void this.reset(rule, hitter.caller) }, 'Reset'),
      ),
    );
  }

  private async inspect(rule: string, caller: string, prefix?: string): Promise<void> {
    try {
      this.showReport(rule, caller, await this.api.inspect(rule, caller), prefix);
    } catch (error) {
      this.showError(error);
    }
  }

  private async findKey(rule: string, key: string): Promise<void> {
    try {
      const report = await this.api.inspectKey(rule, key);
      this.marked = new Set(report.partitions.map((p) => p.caller));
      const caller = report.partitions[0]?.caller ?? '';
      this.showReport(rule, caller, report, 'This key, marked in the lists when it is there.');
      await this.refresh();
    } catch (error) {
      this.showError(error);
    }
  }

  private async reset(rule: string, caller: string): Promise<void> {
    try {
      const report = await this.api.reset(rule, caller);
      await this.inspect(rule, caller, `Reset at ${new Date(report.resetAt).toLocaleTimeString()}.`);
    } catch (error) {
      this.showError(error);
    }
  }

  private showReport(rule: string, caller: string, report: LimitReport, prefix?: string): void {
    replaceChildren(
      this.detail,
      h('h3', {}, `${rule} · `, h('span', { className: 'mono' }, caller.slice(0, 16), '…')),
      prefix ? h('p', { className: 'ok', data: { role: 'reset-done' } }, prefix) : null,
      h('p', { data: { role: 'next', next: report.next } }, report.next === 'admitted' ? 'Its next request is admitted.' : `Its next request is refused; retry after ${report.retryAfter} s.`),
      h('ul', {}, ...report.windows.map((w) => h('li', { className: w.full ? 'refusing' : '' }, `${w.used} of ${w.count} per ${w.window}${w.full ? ` (full, frees in ${w.resetSeconds} s)` : ''}`))),
    );
  }

  private showError(error: unknown): void {
    const message = error instanceof ApiError ? `${error.status} ${error.code ?? ''}: ${error.message}` : String(error);
    replaceChildren(this.detail, h('p', { className: 'error', attrs: { role: 'alert' } }, message));
  }
}
