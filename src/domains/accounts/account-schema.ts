/** Bodies and answers of the account routes: schema and type from one TypeBox source. */
import { Type, type Static } from '@sinclair/typebox';

export const accountSidPattern = '^AC[0-9a-f]{32}$';

export const createAccountBody = Type.Object(
  { friendlyName: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A name for people; not unique.' })) },
  { additionalProperties: false },
);
export type CreateAccountBody = Static<typeof createAccountBody>;

export const accountResource = Type.Object(
  {
    accountId: Type.String({ pattern: accountSidPattern }),
    friendlyName: Type.Union([Type.String(), Type.Null()]),
    status: Type.Literal('active'),
    dateCreated: Type.String({ description: 'RFC 2822' }),
  },
  { additionalProperties: false },
);
export type AccountResource = Static<typeof accountResource>;

export const createdAccount = Type.Composite(
  [accountResource, Type.Object({ authToken: Type.String({ minLength: 43, maxLength: 43, description: 'Shown once: only its hash is stored.' }) })],
  { additionalProperties: false },
);
export type CreatedAccount = Static<typeof createdAccount>;

export const heartbeatResponse = Type.Object(
  { status: Type.Literal('ok'), accountId: Type.String({ pattern: accountSidPattern }), time: Type.String({ description: 'RFC 2822' }) },
  { additionalProperties: false },
);
