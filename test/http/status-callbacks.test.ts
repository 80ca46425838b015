import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { jsonOf, postJson } from '../support/test-app.js';
import { createAccount, requestJson, startVoiceApp } from '../support/voice.js';

interface Received {
  method: string;
  path: string;
  query: URLSearchParams;
  form: URLSearchParams;
  contentType: string | undefined;
}

/**
 * A real HTTP receiver on 127.0.0.1: records every request, answers with what `answer` says for
 * the n-th one (0-based); `answer` may hold the response back until a test releases it.
 */
async function startReceiver(answer: (n: number) => number | Promise<number> = () => 200) {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://receiver');
      const n = received.length;
      received.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, form: new URLSearchParams(Buffer.concat(chunks).toString()), contentType: req.headers['content-type'] });
      res.statusCode = await answer(n);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receivers.push(server);
  const { port } = server.address() as AddressInfo;
  return { port, url: `http://127.0.0.1:${port}`, received, waitFor: (count: number) => vi.waitFor(() => expect(received.length).toBeGreaterThanOrEqual(count), { timeout: 4_000 }) };
}
const receivers: Array<ReturnType<typeof createServer>> = [];
afterAll(() => Promise.all(receivers.map((s) => new Promise((resolve) => s.close(resolve)))));

/** An app that may call back to 127.0.0.1, with its warn/error log lines kept. */
async function callbackApp(options: { retryDelaysMs?: number[]; allowedHosts?: string[] | undefined } = {}) {
  const logs: Array<{ level: number; msg: string; attempts?: number }> = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const app = await startVoiceApp({
    logger,
    settings: { callbackAllowedHosts: 'allowedHosts' in options ? options.allowedHosts : ['127.0.0.1'] },
    ...(options.retryDelaysMs ? { callbackRetryDelaysMs: options.retryDelaysMs } : {}),
  });
  const a = await createAccount(app.url);
  const calls = `${app.url}/v1/accounts/${a.accountId}/calls`;
  const place = (body: Record<string, unknown>) => postJson(calls, { to: '+14155550100', from: '+14155550199', ...body }, a.bearer);
  const move = (sid: string, status: string) => requestJson('POST', `${calls}/${sid}`, { status }, a.bearer);
  return { app, a, place, move, logs };
}

describe('status callbacks', () => {
  it('POSTs each requested event, form-encoded, with the call\'s parameters and a sequence number', async () => {
    const receiver = await startReceiver();
    const { a, place, move } = await callbackApp();
    const call = await jsonOf(await place({ statusCallback: `${receiver.url}/status?tag=x`, statusCallbackEvent: ['completed', 'initiated', 'ringing', 'answered'] }));
    await receiver.waitFor(1);
    await move(call.sid, 'ringing');
    await receiver.waitFor(2);
    await move(call.sid, 'in-progress');
    await receiver.waitFor(3);
    await move(call.sid, 'end');
    await receiver.waitFor(4);
    expect(receiver.received.map((r) => [r.method, r.path, r.query.get('tag'), r.contentType])).toEqual(Array(4).fill(['POST', '/status', 'x', 'application/x-www-form-urlencoded']));
    const forms = receiver.received.map((r) => Object.fromEntries(r.form));
    expect(forms.map((f) => [f.CallStatus, f.SequenceNumber])).toEqual([['initiated', '0'], ['ringing', '1'], ['in-progress', '2'], ['completed', '3']]);
    expect(forms[0]).toEqual({ CallSid: call.sid, AccountSid: a.accountId, From: '+14155550199', To: '+14155550100', CallStatus: 'initiated', Direction: 'outbound-api', Timestamp: call.date_created, SequenceNumber: '0' });
    expect(forms[3]).toMatchObject({ CallStatus: 'completed', CallDuration: '0' });
  });

  it('calls back only for "completed" by default, and with GET puts the parameters in the query string', async () => {
    const receiver = await startReceiver();
    const { place, move } = await callbackApp();
    const call = await jsonOf(await place({ statusCallback: `${receiver.url}/hook?tag=y`, statusCallbackMethod: 'GET' }));
    await move(call.sid, 'ringing');
    await move(call.sid, 'end');
    await receiver.waitFor(1);
    const [got] = receiver.received;
    expect(got).toMatchObject({ method: 'GET', path: '/hook', contentType: undefined });
    expect(got!.form.toString()).toBe('');
    expect(Object.fromEntries(got!.query)).toMatchObject({ tag: 'y', CallSid: call.sid, CallStatus: 'completed', SequenceNumber: '0', CallDuration: '0' });
    expect(receiver.received).toHaveLength(1);
  });

  it('retries after a 5xx and delivers once the receiver answers 200', async () => {
    const receiver = await startReceiver((n) => (n === 0 ? 500 : 200));
    const { place, logs } = await callbackApp();
    const call = await jsonOf(await place({ statusCallback: `${receiver.url}/s`, statusCallbackEvent: ['initiated'] }));
    await receiver.waitFor(2);
    expect(receiver.received.map((r) => r.form.get('CallSid'))).toEqual([call.sid, call.sid]);
    expect(logs).toEqual([]);
  });

  it('gives up after the last retry and logs it; a 4xx is not retried', async () => {
    const failing = await startReceiver(() => 503);
    const refusing = await startReceiver(() => 404);
    const { place, logs } = await callbackApp();
    await place({ statusCallback: `${failing.url}/s`, statusCallbackEvent: ['initiated'] });
    await place({ statusCallback: `${refusing.url}/s`, statusCallbackEvent: ['initiated'] });
    await vi.waitFor(() => expect(logs.map((l) => l.msg).sort()).toEqual(['status callback failed after every retry', 'status callback refused by its receiver; not retried']));
    expect(failing.received).toHaveLength(4);
    expect(refusing.received).toHaveLength(1);
    expect(logs.find((l) => l.level === 50)).toMatchObject({ attempts: 4 });
  });

  it('never delays the API response: the call is created and ended while the receiver still holds its answer', async () => {
    let release!: () => void;
    const held = new Promise<number>((resolve) => {
      release = () => resolve(200);
    });
    const receiver = await startReceiver(() => held);
    const { place, move } = await callbackApp();
    const created = await place({ statusCallback: `${receiver.url}/s`, statusCallbackEvent: ['initiated', 'completed'] });
    expect(created.status).toBe(201);
    const call = await jsonOf(created);
    expect((await move(call.sid, 'end')).status).toBe(200);
    await receiver.waitFor(2);
    release();
  });

  it('cancels a pending retry at shutdown', async () => {
    const receiver = await startReceiver(() => 500);
    const { app, place, logs } = await callbackApp({ retryDelaysMs: [600_000] });
    await place({ statusCallback: `${receiver.url}/s`, statusCallbackEvent: ['initiated'] });
    await receiver.waitFor(1);
    await app.composed.close();
    expect(logs.map((l) => l.msg)).toContain('status callback cancelled by shutdown');
    expect(receiver.received).toHaveLength(1);
  });

  it('refuses a host outside CALLBACK_ALLOWED_HOSTS', async () => {
    const receiver = await startReceiver();
    const { place } = await callbackApp();
    const response = await place({ statusCallback: `http://localhost:${receiver.port}/s` });
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({ code: 'INVALID_REQUEST', field: 'statusCallback', message: expect.stringContaining('CALLBACK_ALLOWED_HOSTS') });
  });
});

describe('status callback addresses without CALLBACK_ALLOWED_HOSTS', () => {
  it.each([
    ['loopback', (port: number) => `http://127.0.0.1:${port}/s`],
    ['loopback by name', (port: number) => `http://localhost:${port}/s`],
    ['loopback in another spelling', (port: number) => `http://2130706433:${port}/s`],
    ['IPv6 loopback', (port: number) => `http://[::1]:${port}/s`],
    ['IPv4-mapped loopback', (port: number) => `http://[::ffff:127.0.0.1]:${port}/s`],
    ['private 10/8', () => 'http://10.0.0.8/s'],
    ['private 172.16/12', () => 'http://172.20.1.1/s'],
    ['private 192.168/16', () => 'https://192.168.0.10/s'],
    ['unique-local IPv6', () => 'http://[fd00::10]/s'],
    ['link-local', () => 'http://169.254.10.10/s'],
    ['the metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
    ['the metadata name', () => 'http://metadata.google.internal/computeMetadata/v1/'],
    ['link-local IPv6', () => 'http://[fe80::1]/s'],
    ['carrier-grade NAT', () => 'http://100.64.1.1/s'],
    ['unspecified', () => 'http://0.0.0.0/s'],
    ['multicast', () => 'http://239.1.1.1/s'],
    ['broadcast', () => 'http://255.255.255.255/s'],
    ['an internal name', () => 'http://service.internal/s'],
    ['a non-http scheme', () => 'gopher://example.com/s'],
  ])('refuses %s with 400, and nothing is called', async (_, urlFor) => {
    const receiver = await startReceiver();
    const { place } = await callbackApp({ allowedHosts: undefined });
    const response = await place({ statusCallback: urlFor(receiver.port), statusCallbackEvent: ['initiated'] });
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({ code: 'INVALID_REQUEST', field: 'statusCallback' });
    expect(receiver.received).toEqual([]);
  });
});
