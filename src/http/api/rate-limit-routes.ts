/**
 * Kazoo-style rate-limit documents (crossbar's `rate_limits`, design note 003): an account's, a
 * device's and the system's, each read, replaced and removed as `{"data": {...}}`.
 *
 * - GET answers the document, or `{"data": {}}` when there is none: Kazoo answers the empty
 *   object rather than 404, and so does tollgate.
 * - POST replaces the whole document and answers what was stored (200).
 * - DELETE removes it and answers what was removed, `{"data": {}}` when there was none (200, as
 *   Kazoo answers the deleted document).
 *
 * The body schema is loose (`data` is any JSON): the service validates the document and names
 * the JSON path of the first problem (`data.account.per_second.invites`), which the registry's
 * schema validation cannot do for unknown keys. Bad documents and unknown or foreign devices are
 * refused in the precheck, before the throttle, so they are neither counted nor stored.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { deviceSidPattern } from '../../domains/devices/device-schema.js';
import type { Devices } from '../../domains/devices/devices.js';
import { accountDocumentSchema, deviceDocumentSchema, systemDocumentSchema } from '../../domains/rate-limits/rate-limit-document.js';
import type { RateLimitKey } from '../../domains/rate-limits/rate-limit-repository.js';
import type { RateLimits } from '../../domains/rate-limits/rate-limits.js';
import { defineRoute, json, type ApiRoute, type RouteInput } from '../api-route.js';
import { accountIdParam } from './account-routes.js';

/** The Kazoo 4.3 documentation's examples, verbatim. */
export const KAZOO_ACCOUNT_EXAMPLE = {
  data: {
    account: { per_minute: { registrations: 100, invites: 100, total_packets: 1000 }, per_second: { registrations: 5, invites: 5, total_packets: 20 } },
    device: { per_minute: { registrations: 10, invites: 10, total_packets: 100 }, per_second: { registrations: 2, invites: 4, total_packets: 10 } },
  },
};
export const KAZOO_DEVICE_EXAMPLE = {
  data: { per_minute: { registrations: 60, invites: 60, total_packets: 180 }, per_second: { registrations: 2, invites: 4, total_packets: 7 } },
};

const body = Type.Object(
  { data: Type.Unknown({ description: 'The document (see the 200 answer\'s schema); checked by the service, which names the JSON path of the first problem.' }) },
  { additionalProperties: false },
);
const invalid = { description: 'INVALID_REQUEST: `field` is the JSON path of the first problem (data.account.per_second.invites). Nothing was stored.', schema: { $ref: '#/components/schemas/Error' } };

interface Scope {
  name: 'Account' | 'Device' | 'System';
  path: string;
  auth: 'account' | 'admin';
  document: TSchema;
  example: unknown;
  params?: Record<string, Record<string, unknown>>;
  /** The key of the request's document; throws 404 for a device the account does not have. */
  key(input: RouteInput): Promise<RateLimitKey>;
}

export function rateLimitRoutes(rateLimits: RateLimits, devices: Devices): ApiRoute[] {
  const scopes: Scope[] = [
    {
      name: 'Account',
      path: '/v1/accounts/:accountId/rate_limits',
      auth: 'account',
      document: accountDocumentSchema,
      example: KAZOO_ACCOUNT_EXAMPLE,
      params: { accountId: accountIdParam },
      key: async ({ caller }) => ({ scope: 'account', accountSid: caller!.accountId }),
    },
    {
      name: 'Device',
      path: '/v1/accounts/:accountId/devices/:deviceId/rate_limits',
      auth: 'account',
      document: deviceDocumentSchema,
      example: KAZOO_DEVICE_EXAMPLE,
      params: { accountId: accountIdParam, deviceId: { type: 'string', pattern: deviceSidPattern } },
      key: async ({ caller, params }) => {
        const device = await devices.require(caller!.accountId, params.deviceId!);
        return { scope: 'device', accountSid: device.accountSid, deviceSid: device.sid };
      },
    },
    {
      name: 'System',
      path: '/v1/admin/rate_limits',
      auth: 'admin',
      document: systemDocumentSchema,
      example: { data: { ...KAZOO_ACCOUNT_EXAMPLE.data, system: { per_second: { total_packets: 20000 } } } },
      key: async () => ({ scope: 'system' }),
    },
  ];
  return scopes.flatMap((scope) => {
    const common = {
      tag: 'rate-limits',
      auth: scope.auth,
      // Account routes are API traffic like any other; the admin's own routes are never refused by rules.
      throttled: scope.auth === 'account',
      path: scope.path,
      ...(scope.params ? { params: scope.params } : {}),
    };
    const answer = { description: `The ${scope.name.toLowerCase()} document, {} when there is none.`, schema: Type.Object({ data: scope.document }) };
    return [
      defineRoute({
        ...common,
        operationId: `get${scope.name}RateLimits`,
        method: 'GET',
        summary: `The ${scope.name.toLowerCase()} rate-limit document ({"data": {}} when there is none, as in Kazoo)`,
        responses: { 200: answer },
        ...(scope.name === 'Device' ? { precheck: async (input) => void (await scope.key(input)) } : {}),
        handle: async (input) => json(200, { data: await rateLimits.get(await scope.key(input)) }),
      }),
      defineRoute({
        ...common,
        operationId: `set${scope.name}RateLimits`,
        method: 'POST',
        summary: `Replace the ${scope.name.toLowerCase()} rate-limit document`,
        body,
        bodyExamples: { kazoo: { summary: 'The Kazoo 4.3 documentation\'s example', value: scope.example } },
        responses: { 200: { ...answer, description: 'Stored; the document as stored.' }, 400: invalid },
        precheck: async (input) => void rateLimits.check(await scope.key(input), input.body.data),
        handle: async (input) => json(200, { data: await rateLimits.put(await scope.key(input), input.body.data) }),
      }),
      defineRoute({
        ...common,
        operationId: `delete${scope.name}RateLimits`,
        method: 'DELETE',
        summary: `Remove the ${scope.name.toLowerCase()} rate-limit document`,
        responses: { 200: { ...answer, description: 'Removed; the document that was removed ({} when there was none).' } },
        ...(scope.name === 'Device' ? { precheck: async (input) => void (await scope.key(input)) } : {}),
        handle: async (input) => json(200, { data: await rateLimits.delete(await scope.key(input)) }),
      }),
    ];
  });
}
