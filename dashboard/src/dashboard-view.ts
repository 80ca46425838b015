/**
 * The dashboard once signed in: lays out the panels and refreshes them every POLL_MS from the
 * service's own routes — the Prometheus scrape (/metrics) for rates and fallbacks, /healthz for
 * the store, GET /v1/admin/rules for the rules and the rule-set version, GET /v1/admin/top for the
 * heavy hitters. A refused token (401) ends the session and goes back to the login form.
 */
import { ApiError, type AdminApi, type RuleList, type Health } from './admin-api.js';
import { DecisionRates, OUTCOMES, growth } from './decision-rates.js';
import { h, replaceChildren } from './dom.js';
import { HeavyHittersView } from './heavy-hitters-view.js';
import { parsePrometheusText, sumOf, type Sample } from './prometheus-text.js';
import { RateChart } from './rate-chart.js';
import { renderRulesTable } from './rules-table.js';
import { renderStatus, type Status } from './status-bar.js';

/** Often enough to watch an attack unfold, rarely enough to cost the service nothing. */
export const POLL_MS = 2_000;
/** Ten minutes of history at one point per scrape. */
const MAX_POINTS = 300;
const OUTCOME_COLORS: Record<string, string> = {
  admitted: '#16a34a',
  limited: '#dc2626',
  shadow: '#7c3aed',
  marked: '#ca8a04',
  delayed: '#2563eb',
  allowed_listed: '#0891b2',
  denied_listed: '#9f1239',
  fallback: '#ea580c',
};
/** Decisions the store failed or did not answer in time, after which each rule's onStoreError decided. */
const FALLBACK_METRIC = 'tollgate_store_fallbacks_total';

export interface DashboardHandlers {
  /** The token was refused: sign out with this message. */
  onUnauthorized: (message: string) => void;
  onLogout: () => void;
}

export function startDashboard(root: HTMLElement, api: AdminApi, handlers: DashboardHandlers): { stop(): void } {
  const card = (title: string, role: string, body: HTMLElement) => h('section', { className: `card ${role}`, data: { panel: role } }, h('h2', {}, title), body);
  const statusLine = h('div', { className: 'status-line' });
  const header = h('header', { className: 'status', data: { role: 'status' } }, statusLine, h('button', { type: 'button', data: { action: 'logout' }, onClick: handlers.onLogout }, 'Sign out'));
  const outcomesEl = h('div', { className: 'chart', data: { chart: 'outcomes' } });
  const refusalsEl = h('div', { className: 'chart', data: { chart: 'refusals' } });
  const rulesEl = h('div', { className: 'table-wrap' });
  const topEl = h('div', {});
  replaceChildren(
    root,
    header,
    h(
      'main',
      { className: 'grid', data: { view: 'dashboard' } },
      card('Decisions per second, by outcome', 'outcomes', outcomesEl),
      card('Refusals per second, by rule', 'refusals', refusalsEl),
      card('Heavy hitters', 'top', topEl),
      card('Rules in force', 'rules', rulesEl),
    ),
  );
  const outcomes = new RateChart(outcomesEl, { names: OUTCOMES, colors: OUTCOME_COLORS, maxPoints: MAX_POINTS, height: 220 });
  const refusals = new RateChart(refusalsEl, { maxPoints: MAX_POINTS, height: 220 });
  const top = new HeavyHittersView(topEl, api);
  const rates = new DecisionRates();
  const status: Status = { health: undefined, version: undefined, fallbacks: undefined, fallbacksPerSecond: undefined, updatedAtMs: undefined, problem: undefined };
  let rules: RuleList | undefined;
  let lastFallbacks: { atMs: number; value: number } | undefined;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const refresh = async () => {
    const [metrics, health, ruleList] = await Promise.allSettled([api.metrics(), api.health(), api.rules()]);
    const atMs = Date.now();
    const failures = [metrics, health, ruleList].flatMap((r, i) => (r.status === 'rejected' ? [[['GET /metrics', 'GET /healthz', 'GET /v1/admin/rules'][i]!, r.reason] as const] : []));
    const refused = failures.find(([, reason]) => reason instanceof ApiError && reason.status === 401);
    if (refused) return handlers.onUnauthorized('The admin token was refused (401). Sign in again.');
    const problems = failures.map(([what, reason]) => `${what}: ${reason instanceof ApiError ? `${reason.status} ${reason.message}` : 'no answer'}`);

    if (ruleList.status === 'fulfilled') rules = ruleList.value;
    status.health = health.status === 'fulfilled' ? health.value : ({ status: 'unavailable', store: status.health?.store ?? '?' } satisfies Health);
    status.version = rules?.version;
    const samples: Sample[] = metrics.status === 'fulfilled' ? parsePrometheusText(metrics.value) : [];
    const snapshot = metrics.status === 'fulfilled' ? rates.next(samples, atMs) : undefined;
    if (metrics.status === 'fulfilled') updateFallbacks(samples, atMs);
    if (snapshot?.byOutcome) {
      outcomes.push(atMs, snapshot.byOutcome);
      // Only rules that have refused something: a line per quiet rule would bury the ones that matter.
      refusals.push(atMs, Object.fromEntries(Object.entries(snapshot.byRule).filter(([, r]) => r.refused > 0).map(([id, r]) => [id, r.refusedPerSecond ?? 0])));
    }
    if (rules) {
      renderRulesTable(rulesEl, rules.rules, snapshot?.byRule ?? {}, snapshot?.byOutcome !== undefined);
      const mostRefused = Object.entries(snapshot?.byRule ?? {}).filter(([, r]) => r.refused > 0).sort(([, a], [, b]) => b.refused - a.refused)[0]?.[0];
      top.setRules(rules.rules.map((r) => r.id), mostRefused);
      await top.refresh().catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 401) return handlers.onUnauthorized('The admin token was refused (401). Sign in again.');
        problems.push(`GET /v1/admin/top: ${error instanceof ApiError ? `${error.status} ${error.message}` : 'no answer'}`);
      });
    }
    status.updatedAtMs = atMs;
    status.problem = problems.length > 0 ? problems.join('; ') : undefined;
    renderStatus(statusLine, status);
  };

  const updateFallbacks = (samples: readonly Sample[], atMs: number) => {
    if (!samples.some((s) => s.name === FALLBACK_METRIC)) return;
    const value = sumOf(samples, FALLBACK_METRIC);
    status.fallbacksPerSecond = lastFallbacks ? growth(value, lastFallbacks.value) / ((atMs - lastFallbacks.atMs) / 1000) : 0;
    status.fallbacks = value;
    lastFallbacks = { atMs, value };
  };

  const loop = async () => {
    try {
      await refresh();
    } finally {
      if (!stopped) timer = setTimeout(() => void loop(), POLL_MS);
    }
  };
  renderStatus(statusLine, status);
  void loop();
  return {
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
