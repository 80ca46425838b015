/**
 * Live rule administration (ADMIN_TOKEN or ADMIN_TOKENS; unmounted without one): the rules in
 * force, one native rule at a time, whole setting documents, and the audit trail. Changes take
 * If-Match with the rule-set version (GET answers it as ETag) and answer 412 when it is stale.
 */
import { Type } from '@sinclair/typebox';
import type { RuleAdmin } from '../../domains/settings/rule-admin.js';
import { pageTokenParameter, type PageTokens } from '../../domains/shared/page-token.js';
import { defineRoute, json, type ApiRoute, type RouteInput } from '../api-route.js';

const idParam = { type: 'string', minLength: 1, maxLength: 128 };
const anyDocument = Type.Object({}, { additionalProperties: true, description: 'A native rule (for /rules/:id) or a rule document (for /settings/:name).' });
const changed = { description: 'Applied and in force on this instance; other instances follow within a few seconds.', schema: Type.Object({ version: Type.String(), revision: Type.Integer() }) };
const ifMatchDoc = { 412: { description: 'PRECONDITION_FAILED: If-Match names a version that is no longer in force.', schema: { $ref: '#/components/schemas/Error' } } };
const invalidRuleDoc = { 400: { description: 'INVALID_RULE (field: the JSON path) or INVALID_REQUEST. Nothing changed.', schema: { $ref: '#/components/schemas/Error' } } };

/** If-Match as sent: a quoted ETag or the bare version. */
const ifMatchOf = (input: RouteInput) => input.header('if-match')?.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
const etag = (version: string) => ({ ETag: `"${version}"` });

export function adminRuleRoutes(admin: RuleAdmin, pageTokens: PageTokens): ApiRoute[] {
  const route = (r: Omit<Parameters<typeof defineRoute>[0], 'tag' | 'auth' | 'throttled'>) => defineRoute({ ...r, tag: 'admin', auth: 'admin', throttled: false });
  return [
    route({
      operationId: 'listRules',
      method: 'GET',
      path: '/v1/admin/rules',
      summary: 'The rules in force, where each came from, the version of the whole set and the last reloads',
      responses: { 200: { description: 'The rules in force.', schema: Type.Object({ version: Type.String(), rules: Type.Array(Type.Object({ id: Type.String(), source: Type.String() })) }) } },
      handle: async () => {
        const rules = admin.list();
        return json(200, rules, etag(rules.version));
      },
    }),
    route({
      operationId: 'getRule',
      method: 'GET',
      path: '/v1/admin/rules/:id',
      params: { id: idParam },
      summary: 'One rule in force, as its native definition',
      responses: { 200: { description: 'The rule.', schema: Type.Object({ version: Type.String(), rule: Type.Object({ id: Type.String(), source: Type.String() }) }) } },
      handle: async ({ params }) => {
        const found = admin.get(params.id!);
        return json(200, found, etag(found.version));
      },
    }),
    route({
      operationId: 'putRule',
      method: 'PUT',
      path: '/v1/admin/rules/:id',
      params: { id: idParam },
      summary: 'Create or replace one native rule in the settings source, validated as rule files are',
      body: anyDocument,
      responses: { 200: changed, ...invalidRuleDoc, ...ifMatchDoc },
      handle: async (input) => {
        const result = await admin.put(input.params.id!, input.body as Record<string, unknown>, input.admin!, ifMatchOf(input));
        return json(200, result, etag(result.version));
      },
    }),
    route({
      operationId: 'deleteRule',
      method: 'DELETE',
      path: '/v1/admin/rules/:id',
      params: { id: idParam },
      summary: 'Delete a rule of the settings source (a file\'s rule is changed in its file: 409)',
      responses: { 200: changed, 409: { description: 'STATE_CONFLICT: the rule comes from a file.', schema: { $ref: '#/components/schemas/Error' } }, ...ifMatchDoc },
      handle: async (input) => {
        const result = await admin.remove(input.params.id!, input.admin!, ifMatchOf(input));
        return json(200, result, etag(result.version));
      },
    }),
    route({
      operationId: 'getSetting',
      method: 'GET',
      path: '/v1/admin/settings/:name',
      params: { name: idParam },
      summary: 'A whole setting document ("throttling" in the design notes\' format, "rule:<id>", "rules:<name>")',
      responses: { 200: { description: 'The setting.', schema: Type.Object({ name: Type.String(), value: Type.Unknown(), version: Type.Integer() }) } },
      handle: async ({ params }) => json(200, await admin.getSetting(params.name!)),
    }),
    route({
      operationId: 'putSetting',
      method: 'PUT',
      path: '/v1/admin/settings/:name',
      params: { name: idParam },
      summary: 'Replace a whole setting document, validated as rule files are',
      body: anyDocument,
      responses: { 200: changed, ...invalidRuleDoc, ...ifMatchDoc },
      handle: async (input) => {
        const result = await admin.putSetting(input.params.name!, input.body, input.admin!, ifMatchOf(input));
        return json(200, result, etag(result.version));
      },
    }),
    route({
      operationId: 'audit',
      method: 'GET',
      path: '/v1/admin/audit',
      summary: 'Who changed which rule or setting, when, the rule-set versions before and after, and the change; newest first',
      query: Type.Object({ pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })), pageToken: pageTokenParameter() }, { additionalProperties: false }),
      responses: { 200: { description: 'A page of the audit trail.', schema: Type.Object({ entries: Type.Array(Type.Object({})), nextPageToken: Type.Union([Type.String(), Type.Null()]) }) } },
      handle: async ({ query }) => {
        const { pageSize = 50, pageToken } = query as { pageSize?: number; pageToken?: string };
        const page = await admin.audit(pageSize, pageToken === undefined ? undefined : pageTokens.decode('audit', pageToken));
        const entries = page.entries.map(({ atMs, before, after, ...entry }) => ({ at: new Date(atMs).toISOString(), ...entry, before: before === null ? null : JSON.parse(before), after: after === null ? null : JSON.parse(after) }));
        return json(200, { entries, nextPageToken: page.next === undefined ? null : pageTokens.encode('audit', page.next) });
      },
    }),
  ];
}
