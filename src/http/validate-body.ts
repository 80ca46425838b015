/**
 * validateBody(schema): checks ctx.state.body against a JSON Schema once, at the edge; handlers
 * then read it as the schema's type. The first problem is reported with the field it concerns.
 */
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Context, Next } from 'koa';
import { invalidRequest } from '../errors.js';

// strictRequired is off so "anyOf: [{required: [a]}, {required: [b]}]" (one of two fields) can be said plainly.
// ajv-formats is CommonJS: its default export is the function under NodeNext.
export const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: false, strict: true, strictRequired: false, allowUnionTypes: true }));

/** The compiled check of a body schema (the fast lane asks it before it answers). */
export function compileBodySchema(schema: object): (body: unknown) => boolean {
  return ajv.compile(schema);
}

export function validateBody(schema: object) {
  const validate = ajv.compile(schema);
  return async function validateRequestBody(ctx: Context, next: Next): Promise<void> {
    if (!validate(ctx.state.body)) {
      // A failed anyOf also lists each branch's error first; the anyOf itself says it best.
      const errors = validate.errors ?? [];
      const { field, message } = describeValidationError(errors.find((e) => e.keyword === 'anyOf') ?? errors[0], schema);
      throw invalidRequest(field, message);
    }
    await next();
  };
}

/** The first validation problem as the field it concerns (body fields by name, query ones as query.x) and a sentence. */
export function describeValidationError(error: ErrorObject | undefined, schema: object, root = 'body'): { field: string; message: string } {
  if (!error) return { field: root, message: `Request ${root} is invalid` };
  const prefix = root === 'body' ? '' : `${root}.`;
  const path = error.instancePath.split('/').slice(1).join('.');
  const field = path ? prefix + path : root;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return { field: prefix + String(params.additionalProperty), message: `unknown ${root === 'body' ? 'field' : 'parameter'} "${prefix}${String(params.additionalProperty)}"` };
    case 'required':
      return { field: prefix + String(params.missingProperty), message: `${prefix}${String(params.missingProperty)} is required` };
    case 'anyOf': {
      const names = ((schema as { anyOf?: Array<{ required?: string[] }> }).anyOf ?? []).flatMap((s) => s.required ?? []);
      return { field: names[0] ?? field, message: `at least one of ${names.join(', ')} is required` };
    }
    case 'type':
      return { field, message: field === 'body' ? `Request body must be a JSON ${String(params.type)}` : `${field} must be ${params.type === 'integer' ? 'an integer' : `a ${String(params.type)}`}${field.startsWith('query.') && params.type === 'string' ? ', given once' : ''}` };
    case 'enum':
      return { field, message: `${field} must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    default:
      return { field, message: `${field} ${error.message ?? 'is invalid'}` };
  }
}
