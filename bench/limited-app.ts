/**
 * The comparison servers (peer-server.ts, naive-server.ts) are the service with its limiter
 * swapped: the same settings reader, Cassandra client options, schema, body reader, validation,
 * error rendering and signup handler, all imported from src/. Only `Limiter` differs, so a
 * difference in the results is the limiter's.
 */
import { once } from 'node:events';
import cassandra from 'cassandra-driver';
import Koa, { type Context, type Next } from 'koa';
import Router from '@koa/router';
import { pino, type Logger } from 'pino';
import { loadSettings } from '../src/settings.js';
import { systemClock } from '../src/clock.js';
import { TollgateError, invalidRequest } from '../src/errors.js';
import { toE164 } from '../src/keys/phone.js';
import { clientOptions, consistencyLevel } from '../src/store/cassandra/client-options.js';
import { migrate } from '../src/store/cassandra/migrate.js';
import { CassandraSignupRepository } from '../src/store/cassandra/cassandra-signup-repository.js';
import { createSignup, type SignupResponse } from '../src/domains/signup/signup.js';
import { signupBodySchema, type SignupBody } from '../src/domains/signup/signup-schema.js';
import { jsonBody } from '../src/http/json-body.js';
import { validateBody } from '../src/http/validate-body.js';
import { renderErrors } from '../src/http/render-error.js';

export type LimitVerdict = { allowed: true } | { allowed: false; retryAfterS: number };

/** Decides one request for a normalised key (E.164 phone) and records it when allowed. */
export type Limiter = (key: string) => Promise<LimitVerdict>;

export interface LimiterContext {
  client: cassandra.Client;
  keyspace: string;
  consistency: number;
  logger: Logger;
}

/** "5/3600,30/86400" (count/seconds, comma-separated): the windows a comparison limiter enforces. */
export function parseLimits(text: string): Array<{ count: number; seconds: number }> {
  return text.split(',').map((part) => {
    const match = /^\s*(\d+)\/(\d+)\s*$/.exec(part);
    if (!match) throw new Error(`BENCH_LIMITS: "${part}" is not count/seconds`);
    return { count: Number(match[1]), seconds: Number(match[2]) };
  });
}

export function createLimitedApp(logger: Logger, limiter: Limiter, signup: (body: SignupBody) => Promise<SignupResponse>, phoneRegion: string): Koa {
  const app = new Koa();
  app.proxy = false;
  app.silent = true;
  const router = new Router({ sensitive: true, strict: true });
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.post('/v1/signup', jsonBody(), validateBody(signupBodySchema), limit(limiter, phoneRegion), async (ctx) => {
    ctx.status = 201;
    ctx.body = await signup(ctx.state.body as SignupBody);
  });
  app.use(renderErrors(logger, systemClock));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

/** Keyed on the phone as the service's rule is (normalised to E.164); no phone, no limit. */
function limit(limiter: Limiter, phoneRegion: string) {
  return async function limitRequest(ctx: Context, next: Next): Promise<void> {
    const phone = (ctx.state.body as SignupBody).phone;
    if (phone !== undefined) {
      const key = toE164(phone, phoneRegion);
      if (!key.ok) throw invalidRequest('phone', `phone ${key.reason}`);
      const verdict = await limiter(key.value);
      if (!verdict.allowed) {
        throw new TollgateError('REQUEST_LIMIT_REACHED', 'Too many signups for this phone number. Try again later.', {
          headers: { 'Retry-After': String(Math.max(1, verdict.retryAfterS)) },
        });
      }
    }
    await next();
  };
}

/**
 * Entry point of a comparison server: settings from the same environment variables as the
 * service (PORT, HOST, CASSANDRA_*, LOG_LEVEL), schema applied by the service's migrate, signups
 * written to Cassandra like the service does; SIGTERM closes everything.
 */
export async function serveLimitedApp(name: string, makeLimiter: (ctx: LimiterContext) => Promise<{ limiter: Limiter; close: () => Promise<void> }>): Promise<void> {
  const settings = loadSettings(process.env);
  if (!settings.cassandra) throw new Error(`${name}: set CASSANDRA_CONTACT_POINTS; the comparison servers store signups in Cassandra`);
  const logger = pino({ level: settings.logLevel, base: { service: name } });
  const client = new cassandra.Client(clientOptions(settings.cassandra, Math.max(2_000, settings.throttleDeadlineMs)));
  await client.connect();
  await migrate(client, { keyspace: settings.cassandra.keyspace, replication: settings.cassandra.replication });
  const consistency = consistencyLevel(settings.cassandra.consistency);
  const { limiter, close } = await makeLimiter({ client, keyspace: settings.cassandra.keyspace, consistency, logger });
  const repository = new CassandraSignupRepository(client, settings.cassandra.keyspace, consistency, 2_000);
  const app = createLimitedApp(logger, limiter, createSignup({ repository, clock: systemClock, defaultPhoneRegion: settings.defaultPhoneRegion }), settings.defaultPhoneRegion);
  const server = app.listen(settings.port, settings.host);
  await once(server, 'listening');
  logger.info({ address: server.address() }, `${name} listening`);
  process.once('SIGTERM', () => {
    server.close();
    void close()
      .then(() => client.shutdown())
      .finally(() => process.exit(0));
  });
}
