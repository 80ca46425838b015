/** Routes of the service itself: health and this API's own description. */
import type { HealthReport } from '../../health.js';
import { defineRoute, json, type ApiRoute } from '../api-route.js';

const healthStatuses: Record<HealthReport['status'], number> = { ok: 200, unavailable: 503 };
const healthStores: Record<HealthReport['store'], true> = { cassandra: true, memory: true };
const healthSchema = (status: HealthReport['status']) => ({
  type: 'object',
  additionalProperties: false,
  required: ['status', 'store'],
  properties: { status: { const: status }, store: { enum: Object.keys(healthStores) } },
});

export function healthRoute(health: () => Promise<HealthReport>): ApiRoute {
  return defineRoute({
    operationId: 'health',
    method: 'GET',
    path: '/healthz',
    tag: 'system',
    summary: 'Whether the store answers',
    auth: 'none',
    throttled: false,
    responses: {
      [healthStatuses.ok]: { description: 'The store answers.', schema: healthSchema('ok') },
      [healthStatuses.unavailable]: { description: 'Cassandra does not answer.', schema: healthSchema('unavailable') },
    },
    handle: async () => {
      const report = await health();
      return json(healthStatuses[report.status], report);
    },
  });
}

/** GET /openapi.json; `document` is built from the served routes, this one included. */
export function openApiRoute(document: () => Record<string, unknown>): ApiRoute {
  return defineRoute({
    operationId: 'openapi',
    method: 'GET',
    path: '/openapi.json',
    tag: 'system',
    summary: 'This document',
    auth: 'none',
    throttled: false,
    responses: {
      200: {
        description: 'The OpenAPI 3.1 document.',
        schema: {
          type: 'object',
          required: ['openapi', 'info', 'paths'],
          properties: { openapi: { type: 'string', pattern: '^3\\.1\\.[0-9]+$' }, info: { type: 'object' }, paths: { type: 'object' } },
        },
      },
    },
    handle: async () => json(200, document()),
  });
}
