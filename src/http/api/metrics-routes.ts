/**
 * GET /metrics: the Prometheus text format, on the service port, like /healthz: a scraper reaches
 * the instance where the load balancer does, and one port is one less thing to open, secure and
 * document. It is not authenticated (Prometheus scrapes without credentials by default; the
 * content is counts by rule, route pattern, method, status and outcome, with no phone, email,
 * token or address in it) and not throttled (a scrape is never refused, whatever the rules say).
 */
import { defineRoute, type ApiRoute } from '../api-route.js';

/** One scrape: the exposition text and its content type. */
export interface MetricsScrape {
  contentType: string;
  text: string;
}

export function metricsRoutes(scrape: () => Promise<MetricsScrape>): ApiRoute[] {
  return [
    defineRoute({
      operationId: 'metrics',
      method: 'GET',
      path: '/metrics',
      tag: 'system',
      summary: 'Metrics of this instance in the Prometheus text format',
      description:
        'Decisions by rule, outcome and limiter kind, near-limit decisions, store latency, fallbacks and write-backs, the partition cache, ' +
        'rule reloads and the rule-set version, HTTP requests by route pattern and status, and Node\'s process metrics. Counts since this instance started.',
      auth: 'none',
      throttled: false,
      responses: {
        200: {
          description: 'The Prometheus text exposition format, version 0.0.4.',
          content: { 'text/plain': { schema: { type: 'string' } } },
        },
      },
      handle: async () => {
        const { contentType, text } = await scrape();
        // The content type as a header, set before the body, so Koa keeps it instead of guessing text/plain.
        return { status: 200, body: text, headers: { 'Content-Type': contentType } };
      },
    }),
  ];
}
