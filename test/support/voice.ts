/**
 * Helpers for the voice, conference and CDR API tests: an app with the admin routes on, an
 * account created through POST /v1/accounts, and its two credential forms.
 */
import { jsonOf, postJson, startTestApp, type TestApp, type TestAppOptions } from './test-app.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface TestAccount {
  accountId: string;
  authToken: string;
  /** Authorization: Bearer <authToken>. */
  bearer: Record<string, string>;
  /** Authorization: Basic accountId:authToken. */
  basic: Record<string, string>;
}

/** A test app with the admin routes on (ADMIN_TOKEN above). */
export function startVoiceApp(options: Partial<TestAppOptions> = {}): Promise<TestApp> {
  return startTestApp({ rules: [], adminToken: ADMIN_TOKEN, ...options });
}

export async function createAccount(baseUrl: string, friendlyName = 'test'): Promise<TestAccount> {
  const response = await postJson(`${baseUrl}/v1/accounts`, { friendlyName }, { authorization: `Bearer ${ADMIN_TOKEN}` });
  if (response.status !== 201) throw new Error(`POST /v1/accounts answered ${response.status}: ${await response.text()}`);
  const { accountId, authToken } = await jsonOf(response);
  return {
    accountId,
    authToken,
    bearer: { authorization: `Bearer ${authToken}` },
    basic: { authorization: `Basic ${Buffer.from(`${accountId}:${authToken}`).toString('base64')}` },
  };
}

/** A JSON request with any method. */
export function requestJson(method: string, url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}
