/** Accounts (admin creates them) and the authenticated heartbeat. */
import type { Accounts } from '../../domains/accounts/accounts.js';
import { accountResource, accountSidPattern, createAccountBody, createdAccount, heartbeatResponse } from '../../domains/accounts/account-schema.js';
import { rfc2822 } from '../../domains/shared/time-format.js';
import type { Clock } from '../../clock.js';
import { notFound } from '../../errors.js';
import { defineRoute, json, type ApiRoute } from '../api-route.js';

export const accountIdParam = { type: 'string', pattern: accountSidPattern };

export function accountRoutes(accounts: Accounts, clock: Clock): ApiRoute[] {
  return [
    defineRoute({
      operationId: 'createAccount',
      method: 'POST',
      path: '/v1/accounts',
      tag: 'accounts',
      summary: 'Create an account (admin); answers its authToken, once',
      description: 'Only the hash of the token is stored: keep the answer. Needs `Authorization: Bearer <ADMIN_TOKEN>`; unmounted while ADMIN_TOKEN is unset.',
      auth: 'admin',
      throttled: true,
      body: createAccountBody,
      bodyRequired: false,
      responses: { 201: { description: 'Created. `authToken` is shown this once.', schema: createdAccount } },
      handle: async ({ body }) => json(201, await accounts.create(body)),
    }),
    defineRoute({
      operationId: 'getAccount',
      method: 'GET',
      path: '/v1/accounts/:accountId',
      tag: 'accounts',
      summary: 'The caller\'s own account',
      auth: 'account',
      throttled: true,
      params: { accountId: accountIdParam },
      responses: { 200: { description: 'The account (never its token).', schema: accountResource } },
      handle: async ({ caller }) => {
        const account = await accounts.get(caller!.accountId);
        if (!account) throw notFound('Account');
        return json(200, account);
      },
    }),
    defineRoute({
      operationId: 'heartbeat',
      method: 'GET',
      path: '/v1/heartbeat',
      tag: 'accounts',
      summary: 'Answers 200 to an authenticated client',
      auth: 'account',
      throttled: true,
      responses: { 200: { description: 'The credentials are good.', schema: heartbeatResponse } },
      handle: async ({ caller }) => json(200, { status: 'ok', accountId: caller!.accountId, time: rfc2822(clock()) }),
    }),
  ];
}
