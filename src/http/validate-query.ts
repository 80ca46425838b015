/**
 * validateQuery(schema): the query string checked once, at the edge, like bodies are. Values are
 * coerced to the schema's types ("50" -> 50 for an integer), a repeated parameter (an array) is
 * refused where one value is expected, and unknown parameters are refused (a typo such as
 * ?stauts=completed would otherwise silently list everything). The result is ctx.state.query.
 */
import { Ajv } from 'ajv';
import type { Context, Next } from 'koa';
import { invalidRequest } from '../errors.js';
import { addFormats, describeValidationError } from './validate-body.js';

const ajv = addFormats(new Ajv({ allErrors: false, strict: true, coerceTypes: true, allowUnionTypes: true }));

export function validateQuery(schema: object) {
  const validate = ajv.compile(schema);
  return async function validateRequestQuery(ctx: Context, next: Next): Promise<void> {
    // Koa's query object has no prototype and is shared; coercion writes into a copy.
    const query: Record<string, unknown> = { ...ctx.query };
    if (!validate(query)) {
      const { field, message } = describeValidationError(validate.errors?.[0], schema, 'query');
      throw invalidRequest(field, message);
    }
    ctx.state.query = query;
    await next();
  };
}
