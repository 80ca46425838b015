/** POST /v1/signup: self-signup, throttled per phone number and per email (phase 1). */
import type { TSchema } from '@sinclair/typebox';
import { signupBodySchema, type SignupBody } from '../../domains/signup/signup-schema.js';
import type { SignupResponse } from '../../domains/signup/signup.js';
import { answeredAt, defineRoute, json, type ApiRoute } from '../api-route.js';

/** The 201 body, one schema per field of SignupResponse (a missing or extra field does not compile). */
const signupResponseProperties: Record<keyof SignupResponse, Record<string, unknown>> = {
  id: { type: 'string', format: 'uuid' },
  phone: { type: ['string', 'null'], pattern: '^\\+[1-9][0-9]{1,14}$', description: 'E.164, or null when none was sent.' },
  email: { type: ['string', 'null'], pattern: '^[^@]+@[^@]+$', description: 'Trimmed and lower-cased, plus-tag kept; null when none was sent.' },
  createdAt: { type: 'string', format: 'date-time' },
};

/** The self-signup API's path in the design notes (and in their `throttling` setting). */
export const NOTES_SIGNUP_PATH = '/user/v1/create';

export function signupRoutes(signup: (body: SignupBody) => Promise<SignupResponse>): ApiRoute[] {
  return answeredAt(
    defineRoute({
      operationId: 'signup',
      method: 'POST',
      path: '/v1/signup',
      tag: 'signup',
      summary: 'Sign up with a phone number and/or an email, throttled per phone and per email',
      description:
        'Runs validation, then the throttle, then the handler. A rejected body (400, 413, 415) is never counted or written. ' +
        'A rule may give its limit error another status and code; with the shipped rules it is 429.',
      auth: 'none',
      throttled: true,
      body: structuredClone(signupBodySchema) as unknown as TSchema,
      bodyExamples: {
        phone: { summary: 'A phone number, in any spelling', value: { phone: '+1 (415) 555-1212', name: 'Alice' } },
        email: { summary: 'An email address', value: { email: 'Alice+News@Example.com' } },
        both: { summary: 'Both, each counted by its own rule', value: { phone: '415-555-0100', email: 'bob@example.org', name: 'Bob' } },
      },
      responses: {
        201: {
          description: 'Signed up. The RateLimit fields are there when a rule counted the request.',
          schema: { type: 'object', additionalProperties: false, required: Object.keys(signupResponseProperties), properties: signupResponseProperties },
        },
      },
      handle: async ({ body }) => json(201, await signup(body as SignupBody)),
    }),
    [NOTES_SIGNUP_PATH],
  );
}
