/**
 * The line at the top: is the store answering (GET /healthz), which rule-set version is in
 * force (GET /v1/admin/rules), how many decisions fell back because the store did not answer in
 * time (GET /metrics), and when the picture was last refreshed.
 */
import type { Health } from './admin-api.js';
import { h, replaceChildren } from './dom.js';

export interface Status {
  health: Health | undefined;
  version: string | undefined;
  /** Fallback decisions since start; undefined when the scrape has no fallback metric. */
  fallbacks: number | undefined;
  /** Fallback decisions per second since the last scrape. */
  fallbacksPerSecond: number | undefined;
  updatedAtMs: number | undefined;
  /** What failed in the last refresh, if anything. */
  problem: string | undefined;
}

/** Fills `container` (the header's status line; the sign-out button beside it is never re-rendered, so a click always lands). */
export function renderStatus(container: HTMLElement, status: Status): void {
  const health = status.health;
  const storeName = health?.store === 'cassandra' ? 'Cassandra' : health?.store === 'memory' ? 'Embedded store' : 'Store';
  replaceChildren(
    container,
    h('span', { className: 'brand' }, 'tollgate'),
    badge(
      'health',
      health === undefined ? 'unknown' : health.status === 'ok' ? 'ok' : 'bad',
      health === undefined ? `${storeName}: ?` : `${storeName}: ${health.status === 'ok' ? 'healthy' : 'unavailable'}`,
    ),
    badge('version', 'neutral', `Rule set ${status.version === undefined ? '?' : status.version.slice(0, 12)}`, status.version),
    badge(
      'fallbacks',
      status.fallbacksPerSecond !== undefined && status.fallbacksPerSecond > 0 ? 'bad' : 'neutral',
      status.fallbacks === undefined ? 'Fallbacks: n/a' : `Fallbacks: ${status.fallbacks.toLocaleString('en-US')}`,
      'Decisions taken without the store (it failed or missed THROTTLE_DEADLINE_MS), since start',
    ),
    h('span', { className: 'spacer' }),
    status.problem ? h('span', { className: 'error', data: { role: 'problem' }, attrs: { role: 'alert' } }, status.problem) : null,
    h('span', { className: 'muted', data: { role: 'updated' } }, status.updatedAtMs === undefined ? 'loading…' : `updated ${new Date(status.updatedAtMs).toLocaleTimeString()}`),
  );
}

function badge(role: string, tone: 'ok' | 'bad' | 'neutral' | 'unknown', text: string, title?: string): HTMLElement {
  return h('span', { className: `badge ${tone}`, data: { role }, ...(title ? { title } : {}) }, text);
}
