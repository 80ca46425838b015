/** Real answers of every conference route conform to what /openapi.json says of them. */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { newSid } from '../../src/domains/shared/sids.js';
import { jsonOf, postJson } from '../support/test-app.js';
import { createAccount, requestJson, startVoiceApp } from '../support/voice.js';

// ajv-formats is CommonJS: its default export is the function under NodeNext.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const BASE = '/v1/accounts/{accountId}/conferences';

describe('conference routes and /openapi.json', () => {
  it('answer only statuses and bodies the document describes', async () => {
    const app = await startVoiceApp();
    const account = await createAccount(app.url);
    const doc = await jsonOf(await fetch(`${app.url}/openapi.json`));
    const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
    ajv.addSchema(doc, 'openapi.json');
    const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const check = async (response: Response, path: string, method: string, status: number): Promise<any> => {
      expect(response.status, `${method} ${path}`).toBe(status);
      expect(doc.paths[path][method].responses[String(status)], `${method} ${path} ${status} is documented`).toBeDefined();
      const validate = ajv.getSchema(`openapi.json#/${pointer('paths', path, method, 'responses', String(status), 'content', 'application/json', 'schema')}`)!;
      const body = await response.json();
      expect(validate(body), JSON.stringify({ body, errors: validate.errors })).toBe(true);
      return body;
    };
    const base = `${app.url}/v1/accounts/${account.accountId}/conferences`;
    const h = account.bearer;

    const conference = await check(await postJson(base, { friendlyName: 'room', announceUrl: 'https://example.com/a.mp3' }, h), BASE, 'post', 201);
    await check(await postJson(base, { friendlyName: '' }, h), BASE, 'post', 400);
    await check(await fetch(`${base}?pageSize=1`, { headers: h }), BASE, 'get', 200);
    await check(await fetch(`${base}?pageToken=x.y`, { headers: h }), BASE, 'get', 400);
    const one = `${BASE}/{sid}`;
    await check(await fetch(`${base}/${conference.sid}`, { headers: h }), one, 'get', 200);
    await check(await fetch(`${base}/${newSid('CF', 0)}`, { headers: h }), one, 'get', 404);
    const parts = `${one}/participants`;
    const participant = await check(await postJson(`${base}/${conference.sid}/participants`, { from: '+14155551212' }, h), parts, 'post', 201);
    await check(await fetch(`${base}/${conference.sid}/participants`, { headers: h }), parts, 'get', 200);
    const leave = `${parts}/{participantId}`;
    await check(await requestJson('DELETE', `${base}/${conference.sid}/participants/${participant.sid}`, undefined, h), leave, 'delete', 200);
    await check(await requestJson('DELETE', `${base}/${conference.sid}/participants/${newSid('CP', 0)}`, undefined, h), leave, 'delete', 404);
    await check(await requestJson('PATCH', `${base}/${conference.sid}`, { announceUrl: 'https://example.com/b.mp3' }, h), one, 'patch', 200);
    await check(await requestJson('PATCH', `${base}/${conference.sid}`, { status: 'completed' }, h), one, 'patch', 200);
    await check(await requestJson('PATCH', `${base}/${conference.sid}`, { announceUrl: 'https://example.com/c.mp3' }, h), one, 'patch', 409);
    await check(await postJson(`${base}/${conference.sid}/participants`, { from: '+14155551212' }, h), parts, 'post', 409);
    await check(await fetch(`${base}/${conference.sid}/participants`, { headers: account.basic }), parts, 'get', 200);
  });

  it('gives request examples that the service accepts', async () => {
    const app = await startVoiceApp();
    const account = await createAccount(app.url);
    const doc = await jsonOf(await fetch(`${app.url}/openapi.json`));
    const example = (path: string, method: string) => Object.values<{ value: unknown }>(doc.paths[path][method].requestBody.content['application/json'].examples);
    const base = `${app.url}/v1/accounts/${account.accountId}/conferences`;
    for (const { value } of example(BASE, 'post')) expect((await postJson(base, value, account.bearer)).status).toBe(201);
    const { sid } = await jsonOf(await postJson(base, { friendlyName: 'examples' }, account.bearer));
    for (const { value } of example(`${BASE}/{sid}/participants`, 'post')) expect((await postJson(`${base}/${sid}/participants`, value, account.bearer)).status).toBe(201);
    for (const { value } of example(`${BASE}/{sid}`, 'patch')) expect((await requestJson('PATCH', `${base}/${sid}`, value, account.bearer)).status).toBe(200);
  });
});
