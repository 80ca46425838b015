/**
 * validateBody(schema): checks ctx.state.body against a JSON Schema once, at the edge; handlers
 * then read it as the schema's type. The first problem is reported with the field it concerns.
 */
import { Ajv, type ErrorObject } from 'ajv';
import type { Context, Next } from 'koa';
import { invalidRequest } from '../errors.js';

// strictRequired is off so "anyOf: [{required: [a]}, {required: [b]}]" (one of two fields) can be said plainly.
const ajv = new Ajv({ allErrors: false, strict: true, strictRequired: false, allowUnionTypes: true });

export function validateBody(schema: object) {
  const validate = ajv.compile(schema);
  return async function validateRequestBody(ctx: Context, next: Next): Promise<void> {
    if (!validate(ctx.state.body)) {
      // A failed anyOf also lists each branch's error first; the anyOf itself says it best.
      const errors = validate.errors ?? [];
      const { field, message } = describe(errors.find((e) => e.keyword === 'anyOf') ?? errors[0], schema);
      throw invalidRequest(field, message);
    }
    await next();
  };
}

function describe(error: ErrorObject | undefined, schema: object): { field: string; message: string } {
  if (!error) return { field: 'body', message: 'Request body is invalid' };
  const field = error.instancePath.split('/').slice(1).join('.') || 'body';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return { field: String(params.additionalProperty), message: `unknown field "${String(params.additionalProperty)}"` };
    case 'required':
      return { field: String(params.missingProperty), message: `${String(params.missingProperty)} is required` };
    case 'anyOf': {
      const names = ((schema as { anyOf?: Array<{ required?: string[] }> }).anyOf ?? []).flatMap((s) => s.required ?? []);
      return { field: names[0] ?? field, message: `at least one of ${names.join(', ')} is required` };
    }
    case 'type':
      return { field, message: field === 'body' ? `Request body must be a JSON ${String(params.type)}` : `${field} must be a ${String(params.type)}` };
    default:
      return { field, message: `${field} ${error.message ?? 'is invalid'}` };
  }
}
