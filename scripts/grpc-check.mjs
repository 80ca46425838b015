#!/usr/bin/env node
/**
 * Asks tollgate's gRPC rate limit service (Envoy's RateLimitService) what Envoy would ask, and
 * prints the answer as JSON. Every call is counted like Envoy's, so try it on a test account.
 *
 *   node scripts/grpc-check.mjs [--target host:port] [--token T] [--hits N] [--domain D] DESCRIPTOR...
 *
 * One DESCRIPTOR per argument, its entries as key=value separated by commas:
 *   account=acc-1,device=dev-7,kind=invite,remote_address=203.0.113.9   (a SIP message)
 *   api=/v1/signup,method=POST,body.phone=+14155551212                   (the rules of an API)
 *
 * --target defaults to 127.0.0.1:$GRPC_PORT (8081), --token to $DECISION_TOKEN, --hits to 0 (one
 * hit, as Envoy means it). Exits 0 with an answer (OK or OVER_LIMIT), 1 when the call fails, 2 on
 * bad arguments.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const usage = 'usage: node scripts/grpc-check.mjs [--target host:port] [--token T] [--hits N] [--domain D] key=value[,key=value...] ...';

function fail(message, code) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      target: { type: 'string', default: `127.0.0.1:${process.env.GRPC_PORT || 8081}` },
      token: { type: 'string', default: process.env.DECISION_TOKEN },
      hits: { type: 'string', default: '0' },
      domain: { type: 'string', default: 'tollgate' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (error) {
  fail(`${error.message}\n${usage}`, 2);
}
const { values, positionals } = parsed;
if (values.help) fail(usage, 0);
if (positionals.length === 0) fail(`name at least one descriptor\n${usage}`, 2);
if (!/^\d+$/.test(values.hits)) fail(`--hits must be a whole number, not "${values.hits}"`, 2);

const descriptors = positionals.map((text) => ({
  entries: text.split(',').map((pair) => {
    const at = pair.indexOf('=');
    if (at <= 0) fail(`"${pair}" is not key=value (in "${text}")`, 2);
    return { key: pair.slice(0, at), value: pair.slice(at + 1) };
  }),
}));

// The same vendored protos the server loads, found from this script's place in the package.
const protoDir = fileURLToPath(new URL('../proto/', import.meta.url));
const definition = protoLoader.loadSync('envoy/service/ratelimit/v3/rls.proto', { keepCase: true, enums: String, longs: Number, defaults: true, oneofs: true, includeDirs: [protoDir] });
const { RateLimitService } = grpc.loadPackageDefinition(definition).envoy.service.ratelimit.v3;
const client = new RateLimitService(values.target, grpc.credentials.createInsecure());
const metadata = new grpc.Metadata();
if (values.token) metadata.set('authorization', `Bearer ${values.token}`);

client.ShouldRateLimit({ domain: values.domain, descriptors, hits_addend: Number(values.hits) }, metadata, { deadline: Date.now() + 5_000 }, (error, response) => {
  client.close();
  if (error) fail(`${grpc.status[error.code] ?? error.code}: ${error.details}`, 1);
  process.stdout.write(`${JSON.stringify(response, null, 2)}\n`);
});
