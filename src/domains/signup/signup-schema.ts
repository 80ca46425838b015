/** The body of POST /v1/signup, checked by the HTTP edge before anything else runs. */
export const signupBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    phone: { type: 'string', minLength: 1, maxLength: 64 },
    email: { type: 'string', minLength: 3, maxLength: 254 },
    name: { type: 'string', minLength: 1, maxLength: 200 },
  },
  anyOf: [{ required: ['phone'] }, { required: ['email'] }],
} as const;

export interface SignupBody {
  phone?: string;
  email?: string;
  name?: string;
}
