/**
 * Kazoo crossbar's token_costs lookup (engine/token-costs.ts), with every example of design note
 * 002: the four sample configurations, disabling (0), a flat cost (1) and quickcall (20).
 */
import { describe, expect, it } from 'vitest';
import { costKeyPaths, costRequestOf, tokenCost, type CostRequest } from '../../../src/engine/token-costs.js';
import type { TokenCosts } from '../../../src/rules/rule.js';

const A = '4fe69c5b61015084f1fe5684abc6e502';
const OTHER = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const CALLFLOWS = '/v1/accounts/:accountId/callflows';
const QUICKCALL = '/v1/accounts/:accountId/devices/:deviceId/quickcall/:number';
const req = (method: string, pattern: string, accountId?: string): CostRequest =>
  costRequestOf(method, pattern, { ...(accountId ? { accountId } : {}), deviceId: 'd1', number: '+15551230000' });

describe('costRequestOf', () => {
  it.each([
    ['POST', '/v1/accounts', {}, { endpoint: 'accounts', method: 'POST' }],
    ['get', '/v1/accounts/:accountId', { accountId: 'AC1' }, { accountId: 'AC1', endpoint: 'accounts', method: 'GET' }],
    ['POST', '/v1/accounts/:accountId/calls', { accountId: 'AC1' }, { accountId: 'AC1', endpoint: 'calls', method: 'POST' }],
    ['GET', '/v1/accounts/:accountId/calls/:callSid', { accountId: 'AC1', callSid: 'CA1' }, { accountId: 'AC1', endpoint: 'calls', method: 'GET' }],
    ['GET', '/v1/accounts/:accountId/calls/:callSid/recordings', { accountId: 'AC1', callSid: 'CA1' }, { accountId: 'AC1', endpoint: 'calls', method: 'GET', subResource: 'recordings' }],
    ['GET', QUICKCALL, { accountId: 'AC1', deviceId: 'd', number: '1' }, { accountId: 'AC1', endpoint: 'devices', method: 'GET', subResource: 'quickcall' }],
    ['POST', '/v1/accounts/:accountId/cdrs/export', { accountId: 'AC1' }, { accountId: 'AC1', endpoint: 'cdrs', method: 'POST', subResource: 'export' }],
    ['POST', '/v1/signup', {}, { endpoint: 'signup', method: 'POST' }],
    ['GET', '/v1/heartbeat', {}, { endpoint: 'heartbeat', method: 'GET' }],
    ['PUT', '/v1/admin/rules/:id', { id: 'r1' }, { endpoint: 'admin', method: 'PUT', subResource: 'rules' }],
    ['GET', '/v1/admin/top', {}, { endpoint: 'admin', method: 'GET', subResource: 'top' }],
    ['GET', '/v1/accounts/:accountId/calls', {}, { endpoint: 'calls', method: 'GET' }],
  ] as const)('%s %s', (method, pattern, params, expected) => {
    expect(costRequestOf(method, pattern, params)).toEqual(expected);
  });
});

describe('costKeyPaths: the order crossbar checks', () => {
  it('with an account: {A}.{E}.{M}, {A}.{E}, {A}, {E}.{M}, {E}', () => {
    expect(costKeyPaths(req('GET', CALLFLOWS, A))).toEqual([[A, 'callflows', 'GET'], [A, 'callflows'], [A], ['callflows', 'GET'], ['callflows']]);
  });
  it('without an account: {E}.{M}, {E}', () => {
    expect(costKeyPaths(req('POST', '/v1/signup'))).toEqual([['signup', 'POST'], ['signup']]);
  });
  it('quickcall: the sub-resource keys first, then the plain order', () => {
    expect(costKeyPaths(req('GET', QUICKCALL, A))).toEqual([
      [A, 'devices', 'GET', 'quickcall'],
      [A, 'devices', 'quickcall'],
      [A, 'quickcall'],
      ['devices', 'GET', 'quickcall'],
      ['devices', 'quickcall'],
      [A, 'devices', 'GET'],
      [A, 'devices'],
      [A],
      ['devices', 'GET'],
      ['devices'],
    ]);
  });
});

/** [case, token_costs, method, route pattern, account, expected cost] */
const CASES: Array<[string, TokenCosts, string, string, string | undefined, number]> = [
  // Sample 1: all requests to callflows cost the same.
  ['1: callflows cost 2, GET', { callflows: 2 }, 'GET', CALLFLOWS, A, 2],
  ['1: callflows cost 2, PUT', { callflows: 2 }, 'PUT', CALLFLOWS, A, 2],
  ['1: other endpoints keep the default', { callflows: 2 }, 'GET', '/v1/accounts/:accountId/devices', A, 1],
  // Sample 2: callflows vary in cost depending on method.
  ...(['GET', 'PUT', 'POST', 'DELETE'] as const).map((method): [string, TokenCosts, string, string, string | undefined, number] => [
    `2: callflows ${method}`,
    { callflows: { GET: 1, PUT: 5, POST: 5, DELETE: 1 } },
    method,
    CALLFLOWS,
    A,
    { GET: 1, PUT: 5, POST: 5, DELETE: 1 }[method],
  ]),
  ['2: a method the object does not price falls to the default', { callflows: { GET: 1, PUT: 5, POST: 5, DELETE: 1 } }, 'PATCH', CALLFLOWS, A, 1],
  // Sample 3: a flat amount for an account.
  ['3: the account pays 2 anywhere', { [A]: 2 }, 'GET', '/v1/accounts/:accountId/devices', A, 2],
  ['3: the account pays 2 on callflows', { [A]: 2 }, 'DELETE', CALLFLOWS, A, 2],
  ['3: another account pays the default', { [A]: 2 }, 'GET', CALLFLOWS, OTHER, 1],
  // Sample 4: a flat amount for an account on one endpoint.
  ['4: the account pays 10 on callflows', { [A]: { callflows: 10 } }, 'GET', CALLFLOWS, A, 10],
  ['4: ... not on devices ({A} is an object, not a cost)', { [A]: { callflows: 10 } }, 'GET', '/v1/accounts/:accountId/devices', A, 1],
  ['4: ... nor another account', { [A]: { callflows: 10 } }, 'GET', CALLFLOWS, OTHER, 1],
  // Disable token costs, and a flat cost.
  ['0 disables: every request is free', 0, 'POST', CALLFLOWS, A, 0],
  ['0 disables, without an account too', 0, 'POST', '/v1/signup', undefined, 0],
  ['flat 1', 1, 'GET', CALLFLOWS, A, 1],
  ['flat 3, no account', 3, 'GET', '/v1/heartbeat', undefined, 3],
  // Quickcall costs 20.
  ['quickcall costs 20', { devices: { quickcall: 20 } }, 'GET', QUICKCALL, A, 20],
  ['quickcall: the device itself keeps the default', { devices: { quickcall: 20 } }, 'GET', '/v1/accounts/:accountId/devices/:deviceId', A, 1],
  ['quickcall: {A}.{E}.{M}.{S} wins over {E}.{S}', { [A]: { devices: { GET: { quickcall: 50 } } }, devices: { quickcall: 20 } }, 'GET', QUICKCALL, A, 50],
  ['quickcall: {A}.{S} wins over {E}.{M}.{S}', { [A]: { quickcall: 7 }, devices: { GET: { quickcall: 20 } } }, 'GET', QUICKCALL, A, 7],
  ['quickcall: unpriced, it costs what its endpoint costs', { devices: 4 }, 'GET', QUICKCALL, A, 4],
  // The order between the plain keys.
  ['{A}.{E}.{M} before {E}', { [A]: { callflows: { GET: 7 } }, callflows: 3 }, 'GET', CALLFLOWS, A, 7],
  ['{A}.{E} object without the method falls through to {E}', { [A]: { callflows: { GET: 7 } }, callflows: 3 }, 'POST', CALLFLOWS, A, 3],
  ['{A} before {E}.{M}', { [A]: 4, callflows: { GET: 9 } }, 'GET', CALLFLOWS, A, 4],
  ['{E}.{M} before {E}, no account in the URI', { signup: { POST: 6 }, [A]: 100 }, 'POST', '/v1/signup', undefined, 6],
  ['a negative cost is skipped (first non-negative wins)', { [A]: { callflows: -1 }, callflows: 2 }, 'GET', CALLFLOWS, A, 2],
  ['an explicit 0 is a cost: free', { [A]: { callflows: 0 }, callflows: 2 }, 'GET', CALLFLOWS, A, 0],
  ['methods are upper case: a "get" key never matches', { callflows: { get: 8 } }, 'get', CALLFLOWS, A, 1],
  ['nothing priced: Kazoo default 1', {}, 'GET', CALLFLOWS, A, 1],
];

describe('tokenCost', () => {
  it.each(CASES)('%s', (_name, costs, method, pattern, account, expected) => {
    expect(tokenCost(costs, req(method, pattern, account))).toBe(expected);
  });

  it('does not read inherited properties as keys', () => {
    expect(tokenCost({}, { endpoint: 'constructor', method: 'GET' })).toBe(1);
    expect(tokenCost({ calls: 2 }, { endpoint: 'toString', method: 'GET' })).toBe(1);
  });
});
