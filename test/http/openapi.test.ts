import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/clock.js';
import { signupBodySchema } from '../../src/domains/signup/signup-schema.js';
import { parseRules } from '../../src/rules/parse-rules.js';
import { MemoryCallLog } from '../../src/store/memory/memory-call-log.js';
import { FaultyCallLog } from '../support/faulty-call-log.js';
import { testRule } from '../support/rules.js';
import { postJson, startTestApp } from '../support/test-app.js';

// ajv-formats is CommonJS: its default export is the function under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const shipped = parseRules('rules/signup.json', JSON.parse(readFileSync('rules/signup.json', 'utf8')));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

async function fetchDocument(): Promise<{ response: Response; doc: Doc }> {
  const app = await startTestApp({ rules: shipped });
  const response = await fetch(`${app.url}/openapi.json`);
  return { response, doc: (await response.json()) as Doc };
}

/**
 * Checks a real response against what the document says for it: the status is listed, the body
 * validates against the response's schema ($refs into components resolved by Ajv), and the
 * headers it marks required are there and match their schemas.
 */
function conformance(doc: Doc) {
  const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  ajv.addSchema(doc, 'openapi.json');
  const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
  return async (response: Response, responseSpecAt: string[]): Promise<Doc> => {
    const spec = responseSpecAt.reduce((node, key) => node?.[key], doc);
    expect(spec, `no response at ${responseSpecAt.join(' ')}`).toBeDefined();
    expect(response.headers.get('content-type')).toMatch(/^application\/json\b/);
    const validate = ajv.getSchema(`openapi.json#/${pointer(...responseSpecAt, 'content', 'application/json', 'schema')}`)!;
    const body: Doc = await response.json();
    expect(validate(body), JSON.stringify({ body, errors: validate.errors })).toBe(true);
    for (const [name, header] of Object.entries<Doc>(spec.headers ?? {})) {
      const raw = response.headers.get(name);
      if (header.required) expect(raw, `header ${name}`).not.toBeNull();
      if (raw === null) continue;
      const value = header.schema.type === 'integer' ? Number(raw) : raw;
      expect(ajv.validate(header.schema, value), `header ${name}: ${raw}`).toBe(true);
    }
    return body;
  };
}

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document that passes the OpenAPI 3.1 schema', async () => {
    const { response, doc } = await fetchDocument();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json\b/);
    expect(doc.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('describes exactly the routes that exist, with every status each can answer', async () => {
    const { doc } = await fetchDocument();
    const operations = Object.entries<Doc>(doc.paths).flatMap(([path, item]) =>
      Object.entries<Doc>(item).map(([method, op]) => [`${method.toUpperCase()} ${path}`, Object.keys(op.responses).sort()]),
    );
    expect(Object.fromEntries(operations)).toEqual({
      'GET /healthz': ['200', '500', '503'],
      'POST /v1/signup': ['201', '400', '413', '415', '429', '500', '503'],
      'POST /user/v1/create': ['201', '400', '413', '415', '429', '500', '503'],
      'GET /v1/accounts/{accountId}': ['200', '400', '401', '403', '429', '500', '503'],
      'GET /v1/heartbeat': ['200', '400', '401', '429', '500', '503'],
      'POST /v1/accounts/{accountId}/devices': ['201', '400', '401', '403', '413', '415', '429', '500', '503'],
      'GET /v1/accounts/{accountId}/devices': ['200', '400', '401', '403', '429', '500', '503'],
      'GET /v1/accounts/{accountId}/devices/{deviceId}': ['200', '400', '401', '403', '404', '429', '500', '503'],
      'DELETE /v1/accounts/{accountId}/devices/{deviceId}': ['204', '400', '401', '403', '404', '429', '500', '503'],
      'GET /v1/accounts/{accountId}/rate_limits': ['200', '400', '401', '403', '429', '500', '503'],
      'POST /v1/accounts/{accountId}/rate_limits': ['200', '400', '401', '403', '413', '415', '429', '500', '503'],
      'DELETE /v1/accounts/{accountId}/rate_limits': ['200', '400', '401', '403', '429', '500', '503'],
      'GET /v1/accounts/{accountId}/devices/{deviceId}/rate_limits': ['200', '400', '401', '403', '404', '429', '500', '503'],
      'POST /v1/accounts/{accountId}/devices/{deviceId}/rate_limits': ['200', '400', '401', '403', '404', '413', '415', '429', '500', '503'],
      'DELETE /v1/accounts/{accountId}/devices/{deviceId}/rate_limits': ['200', '400', '401', '403', '404', '429', '500', '503'],
      'GET /v1/accounts/{accountId}/cdrs': ['200', '400', '401', '403', '429', '500', '503'],
      'GET /v1/accounts/{accountId}/cdrs/export': ['200', '400', '401', '403', '429', '500', '503'],
      'POST /v1/accounts/{accountId}/conferences': ['201', '400', '401', '403', '413', '415', '429', '500', '503'],
      'GET /v1/accounts/{accountId}/conferences': ['200', '400', '401', '403', '429', '500', '503'],
      'GET /v1/accounts/{accountId}/conferences/{sid}': ['200', '400', '401', '403', '404', '429', '500', '503'],
      'PATCH /v1/accounts/{accountId}/conferences/{sid}': ['200', '400', '401', '403', '404', '409', '413', '415', '429', '500', '503'],
      'POST /v1/accounts/{accountId}/conferences/{sid}/participants': ['201', '400', '401', '403', '404', '409', '413', '415', '429', '500', '503'],
      'GET /v1/accounts/{accountId}/conferences/{sid}/participants': ['200', '400', '401', '403', '404', '429', '500', '503'],
      'DELETE /v1/accounts/{accountId}/conferences/{sid}/participants/{participantId}': ['200', '401', '403', '404', '429', '500', '503'],
      'POST /v1/accounts/{accountId}/calls': ['201', '400', '401', '403', '413', '415', '429', '500', '503'],
      'GET /v1/accounts/{accountId}/calls': ['200', '400', '401', '403', '429', '500', '503'],
      'GET /v1/accounts/{accountId}/calls/{sid}': ['200', '400', '401', '403', '404', '429', '500', '503'],
      'POST /v1/accounts/{accountId}/calls/{sid}': ['200', '400', '401', '403', '404', '409', '413', '415', '429', '500', '503'],
      'PATCH /v1/accounts/{accountId}/calls/{sid}': ['200', '400', '401', '403', '404', '409', '413', '415', '429', '500', '503'],
      'POST /v1/accounts/{accountId}/calls/{sid}/recordings': ['201', '400', '401', '403', '404', '409', '413', '415', '429', '500', '503'],
      'GET /v1/accounts/{accountId}/calls/{sid}/recordings': ['200', '400', '401', '403', '404', '429', '500', '503'],
      'POST /v1/accounts/{accountId}/calls/{sid}/recordings/{rid}': ['200', '400', '401', '403', '404', '413', '415', '429', '500', '503'],
      'POST /v1/accounts/{accountId}/calls/{sid}/transcriptions': ['201', '400', '401', '403', '404', '409', '413', '415', '429', '500', '503'],
      'GET /v1/accounts/{accountId}/calls/{sid}/transcriptions': ['200', '400', '401', '403', '404', '429', '500', '503'],
      'POST /v1/accounts/{accountId}/calls/{sid}/transcriptions/{tid}': ['200', '400', '401', '403', '404', '413', '415', '429', '500', '503'],
      'GET /metrics': ['200', '500'],
      'GET /openapi.json': ['200', '500'],
    });
    expect(Object.keys(doc.components.responses).sort()).toEqual(['MethodNotAllowed', 'NotFound', 'NotImplemented']);
    const signup429 = doc.paths['/v1/signup'].post.responses['429'];
    expect(Object.keys(signup429.headers).sort()).toEqual(['RateLimit', 'RateLimit-Policy', 'Retry-After']);
    expect(doc.paths['/v1/signup'].post.responses['503'].headers['Retry-After'].required).toBe(true);
  });

  it('takes the signup request body from the schema validateBody checks', async () => {
    const { doc } = await fetchDocument();
    const body = doc.paths['/v1/signup'].post.requestBody;
    expect(body.required).toBe(true);
    expect(Object.keys(body.content)).toEqual(['application/json']);
    expect(body.content['application/json'].schema).toEqual(signupBodySchema);
  });

  it('gives request examples that the schema and the service accept', async () => {
    const { doc } = await fetchDocument();
    const examples = Object.values<Doc>(doc.paths['/v1/signup'].post.requestBody.content['application/json'].examples);
    expect(examples.length).toBeGreaterThan(0);
    const validate = new Ajv2020({ strict: false }).compile(signupBodySchema);
    const app = await startTestApp({ rules: shipped });
    for (const { value } of examples) {
      expect(validate(value), JSON.stringify(value)).toBe(true);
      expect((await postJson(`${app.url}/v1/signup`, value)).status, JSON.stringify(value)).toBe(201);
    }
  });
});

describe('real responses conform to /openapi.json', () => {
  const signup = (status: string) => ['paths', '/v1/signup', 'post', 'responses', status];

  it('POST /v1/signup: 201, 400, 415, 413 and 429 with its headers', async () => {
    const { doc } = await fetchDocument();
    const check = conformance(doc);
    const app = await startTestApp({ rules: shipped });
    const url = `${app.url}/v1/signup`;

    const created = await postJson(url, { phone: '+1 (415) 555-1212', email: ' Alice+News@Example.COM ', name: 'Alice' });
    expect(created.status).toBe(201);
    expect(await check(created, signup('201'))).toMatchObject({ phone: '+14155551212', email: 'alice+news@example.com' });
    expect(created.headers.get('ratelimit')).not.toBeNull();

    for (const [body, field] of [
      ['{"phone":', 'body'],
      ['[]', 'body'],
      [{ phone: 'not a number' }, 'phone'],
      [{ email: 'nobody' }, 'email'],
      [{ phone: '+14155551212', admin: true }, 'admin'],
      [{}, 'phone'],
    ] as const) {
      const response = await postJson(url, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect((await check(response, signup('400'))).error).toMatchObject({ code: 'INVALID_REQUEST', field });
    }

    const text = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'phone=1' });
    expect(text.status).toBe(415);
    expect((await check(text, signup('415'))).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');

    const huge = await postJson(url, JSON.stringify({ name: 'x'.repeat(1024 * 1024) }));
    expect(huge.status).toBe(413);
    expect((await check(huge, signup('413'))).error.code).toBe('PAYLOAD_TOO_LARGE');

    let last: Response | undefined;
    for (let i = 0; i < 5; i++) last = await postJson(url, { phone: '+14155551212' });
    expect(last!.status).toBe(429);
    expect((await check(last!, signup('429'))).error).toMatchObject({ code: 'REQUEST_LIMIT_REACHED', rule: 'signup-per-phone' });
  });

  it('POST /v1/signup: 503 THROTTLE_UNAVAILABLE with Retry-After when the store fails under onStoreError: deny', async () => {
    const { doc } = await fetchDocument();
    const clock = createManualClock(1_800_000_000_000);
    const callLog = new FaultyCallLog(new MemoryCallLog(clock));
    callLog.fault = 'fail';
    const app = await startTestApp({ rules: [testRule('r', [[5, '1h']], { onStoreError: 'deny' })], clock, callLog });
    const response = await postJson(`${app.url}/v1/signup`, { phone: '+14155551212' });
    expect(response.status).toBe(503);
    expect((await conformance(doc)(response, signup('503'))).error.code).toBe('THROTTLE_UNAVAILABLE');
  });

  it('GET /healthz: 200 and 503', async () => {
    const { doc } = await fetchDocument();
    const check = conformance(doc);
    const up = await startTestApp({ rules: [] });
    const ok = await fetch(`${up.url}/healthz`);
    expect(ok.status).toBe(200);
    await check(ok, ['paths', '/healthz', 'get', 'responses', '200']);
    const down = await startTestApp({ rules: [], health: async () => ({ status: 'unavailable', store: 'cassandra' }) });
    const unavailable = await fetch(`${down.url}/healthz`);
    expect(unavailable.status).toBe(503);
    await check(unavailable, ['paths', '/healthz', 'get', 'responses', '503']);
    // A 503 body must not pass as a 200 one, and the other way round.
    const swapped = conformance(doc);
    await expect(swapped(await fetch(`${down.url}/healthz`), ['paths', '/healthz', 'get', 'responses', '200'])).rejects.toThrow();
  });

  it('GET /openapi.json conforms to its own 200 response', async () => {
    const { doc } = await fetchDocument();
    const app = await startTestApp({ rules: [] });
    await conformance(doc)(await fetch(`${app.url}/openapi.json`), ['paths', '/openapi.json', 'get', 'responses', '200']);
  });

  it('undescribed paths and methods: 404, 405 with Allow, 501 or 405 for a method the router does not implement', async () => {
    const { doc } = await fetchDocument();
    const check = conformance(doc);
    const app = await startTestApp({ rules: [] });
    const notFound = await fetch(`${app.url}/v1/Signup`);
    expect(notFound.status).toBe(404);
    expect((await check(notFound, ['components', 'responses', 'NotFound'])).error.code).toBe('NOT_FOUND');
    const wrongMethod = await fetch(`${app.url}/openapi.json`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('HEAD, GET');
    expect((await check(wrongMethod, ['components', 'responses', 'MethodNotAllowed'])).error.code).toBe('METHOD_NOT_ALLOWED');
    // A method the router does not implement: 501, or 405 once the router takes every method Node parses.
    const unknownMethod = await fetch(`${app.url}/v1/signup`, { method: 'PURGE' });
    expect(unknownMethod.status).toBe(405);
    const component = unknownMethod.status === 405 ? 'MethodNotAllowed' : 'NotImplemented';
    expect((await check(unknownMethod, ['components', 'responses', component])).error.code).toBe('METHOD_NOT_ALLOWED');
  });
});
