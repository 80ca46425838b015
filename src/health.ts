/** What GET /healthz reports: whether the store that decisions need answers. */
export interface HealthReport {
  status: 'ok' | 'unavailable';
  store: 'cassandra' | 'memory';
}
