/**
 * GET /v1/admin/top (ADMIN_TOKEN): the heavy hitters of one rule over the last minute, hour or
 * day, merged across every instance. Callers appear as their partition key (the HMAC of the
 * normalised key); GET /v1/admin/limits?rule=&caller= and POST /v1/admin/limits/reset take it
 * as it is, so a heavy hitter can be inspected and reset without knowing its raw key.
 */
import { Type } from '@sinclair/typebox';
import { notFound } from '../../errors.js';
import type { RuleIndex } from '../../engine/rule-index.js';
import type { HeavyHitterQuery, HeavyHitterReport } from '../../heavy-hitters/heavy-hitter-report.js';
import { HEAVY_HITTER_WINDOWS, type HeavyHitterWindow } from '../../heavy-hitters/heavy-hitter-windows.js';
import { defineRoute, json, type ApiRoute } from '../api-route.js';

const heavyHitter = Type.Object({
  caller: Type.String({ description: 'The partition key: HMAC-SHA256 of the normalised key under KEY_SECRET, base64url.' }),
  count: Type.Integer({ description: 'Estimated requests: never fewer than the true count.' }),
  error: Type.Integer({ description: 'How much of count may be over-count: count - error is a guaranteed lower bound.' }),
  key: Type.Optional(Type.String({ description: 'The normalised key; only with TOP_K_SHOW_KEYS=true.' })),
});

const report = Type.Object({
  rule: Type.String(),
  window: Type.Unsafe<HeavyHitterWindow>({ type: 'string', enum: [...HEAVY_HITTER_WINDOWS] }),
  k: Type.Integer(),
  generatedAt: Type.String({ format: 'date-time' }),
  instances: Type.Integer({ description: 'Instances whose summaries were merged.' }),
  refused: Type.Array(heavyHitter, { description: 'By requests refused: over a limit (limited) or on a deny list.' }),
  admitted: Type.Array(heavyHitter, { description: 'By requests admitted and counted.' }),
});

const query = Type.Object(
  {
    rule: Type.String({ minLength: 1, maxLength: 128, description: 'A rule id in force.' }),
    // An enum rather than a union of literals, so that a bad value is refused as "must be one of ...".
    window: Type.Unsafe<HeavyHitterWindow>({ type: 'string', enum: [...HEAVY_HITTER_WINDOWS], description: 'The last minute (1m), hour (1h) or day (1d).' }),
    k: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10, description: 'How many callers per list.' })),
  },
  { additionalProperties: false },
);

export function heavyHitterRoutes(top: (query: HeavyHitterQuery) => Promise<HeavyHitterReport>, rules: () => RuleIndex): ApiRoute[] {
  return [
    defineRoute({
      operationId: 'topCallers',
      method: 'GET',
      path: '/v1/admin/top',
      tag: 'admin',
      auth: 'admin',
      throttled: false,
      query,
      summary: 'The heavy hitters of a rule: the top k callers by refused and by admitted requests over the last minute, hour or day, across every instance',
      description:
        'Each instance counts its decisions in bounded memory with the space-saving algorithm (TOP_K_CAPACITY counters per rule, side and time bucket) ' +
        'and publishes its summaries every TOP_K_PUBLISH_INTERVAL_SECONDS; this merges every instance\'s. Counts are estimates: `count` never under-counts, ' +
        'and `count - error` is a guaranteed lower bound (error 0: exact). A caller with more than a TOP_K_CAPACITY-th of the window\'s requests is never lost: ' +
        'it ranks above every caller the summaries dropped. ' +
        'The windows are made of buckets (10 s, 5 min, 1 h), so the last minute covers 60 to 70 s, the last hour 60 to 65 min, the last day 24 to 25 h. ' +
        'Callers are partition keys: GET /v1/admin/limits?rule=&caller= inspects one and POST /v1/admin/limits/reset {"rule", "caller"} resets it.',
      responses: { 200: { description: 'The heavy hitters.', schema: report }, 404: { description: 'NOT_FOUND: no such rule in force.', schema: { $ref: '#/components/schemas/Error' } } },
      handle: async ({ query: q }) => {
        const { rule, window, k = 10 } = q;
        if (!rules().byId(rule)) throw notFound(`Rule "${rule}"`);
        return json(200, await top({ rule, window, k }));
      },
    }),
  ];
}
