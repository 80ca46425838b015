/**
 * The service's routes as the dashboard calls them. Every call carries the admin token as
 * `Authorization: Bearer <token>` (never in a URL, where logs and history would keep it), and
 * every failure becomes an ApiError with the status and the service's error code and message.
 */

export type TopWindow = '1m' | '1h' | '1d';

/** A rule in force, as GET /v1/admin/rules lists it. */
export interface RuleInForce {
  id: string;
  source: string;
  mode?: string;
  shadowRefusals?: number;
  definition?: { limits?: Array<{ count: number; window: string }>; key?: unknown };
}

export interface RuleList {
  version: string;
  rules: RuleInForce[];
}

/** One heavy hitter: its partition key (a hash), its count and the count's error bound. */
export interface HeavyHitter {
  caller: string;
  count: number;
  error: number;
  /** The normalised key itself, only where the service allows it (TOP_K_SHOW_KEYS=true). */
  key?: string;
}

export interface TopReport {
  rule: string;
  window: TopWindow;
  k: number;
  generatedAt: string;
  instances: number;
  refused: HeavyHitter[];
  admitted: HeavyHitter[];
}

/** What GET /v1/admin/limits tells about one caller under one rule. */
export interface LimitReport {
  rule: string;
  /** The partitions read: the caller hash under the current secret (and the previous one while rotating). */
  partitions: Array<{ caller: string; secret: 'current' | 'previous' }>;
  windows: Array<{ count: number; window: string; used: number; full: boolean; resetSeconds: number }>;
  next: 'admitted' | 'denied';
  retryAfter: number;
}

export interface ResetReport {
  rule: string;
  partitions: string[];
  resetAt: string;
}

export interface Health {
  status: 'ok' | 'unavailable';
  store: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface AdminApi {
  rules(): Promise<RuleList>;
  top(rule: string, window: TopWindow, k: number): Promise<TopReport>;
  inspect(rule: string, caller: string): Promise<LimitReport>;
  /** The same by the raw key (a phone number, an email...), which the service normalises and hashes. */
  inspectKey(rule: string, key: string): Promise<LimitReport>;
  reset(rule: string, caller: string): Promise<ResetReport>;
  /** The Prometheus text of GET /metrics. */
  metrics(): Promise<string>;
  /** GET /healthz: its body answers for 503 too (Cassandra unavailable is news, not a failure). */
  health(): Promise<Health>;
}

/** Whether the admin routes are served at all: they answer 401 without a token, 404 when ADMIN_TOKEN is unset. */
export async function adminRoutesServed(): Promise<boolean> {
  const response = await fetch('/v1/admin/rules', { headers: { accept: 'application/json' } });
  return response.status !== 404;
}

export function createAdminApi(token: string): AdminApi {
  const call = async (path: string, init: RequestInit = {}, accept = 'application/json'): Promise<Response> => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${token}`);
    headers.set('accept', accept);
    return fetch(path, { ...init, headers, cache: 'no-store' });
  };
  const json = async <T>(path: string, init?: RequestInit, okStatuses: readonly number[] = []): Promise<T> => {
    const response = await call(path, init);
    if (!response.ok && !okStatuses.includes(response.status)) throw await errorOf(response);
    return (await response.json()) as T;
  };
  const query = (params: Record<string, string | number>) => new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
  return {
    rules: () => json<RuleList>('/v1/admin/rules'),
    top: (rule, window, k) => json<TopReport>(`/v1/admin/top?${query({ rule, window, k })}`),
    inspect: (rule, caller) => json<LimitReport>(`/v1/admin/limits?${query({ rule, caller })}`),
    inspectKey: (rule, key) => json<LimitReport>(`/v1/admin/limits?${query({ rule, key })}`),
    reset: (rule, caller) =>
      json<ResetReport>('/v1/admin/limits/reset', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rule, caller }) }),
    metrics: async () => {
      const response = await call('/metrics', {}, 'text/plain');
      if (!response.ok) throw await errorOf(response);
      return response.text();
    },
    health: () => json<Health>('/healthz', {}, [503]),
  };
}

async function errorOf(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    return new ApiError(response.status, body.error?.message ?? response.statusText, body.error?.code);
  } catch {
    return new ApiError(response.status, `${response.status} ${response.statusText}`);
  }
}
