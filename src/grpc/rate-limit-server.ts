/**
 * Envoy's RateLimitService (envoy.service.ratelimit.v3) over gRPC, answered by the DecisionService:
 * an Envoy proxy with the ratelimit HTTP filter asks ShouldRateLimit before it forwards a request.
 * Each descriptor is one check (descriptor-check.ts), all are decided (and counted) together, and
 * the request is OVER_LIMIT when any descriptor is, as Envoy's reference service answers.
 *
 * With a token, every call must carry the metadata `authorization: Bearer <token>` (Envoy sends it
 * through grpc_service.initial_metadata); otherwise the call fails UNAUTHENTICATED. A descriptor that
 * cannot be read as a check fails the call INVALID_ARGUMENT naming it, before anything is counted.
 * A decision store that cannot answer is UNAVAILABLE: Envoy then applies its failure_mode_deny.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { checkAll, type DecisionService } from '../domains/decisions/decision-service.js';
import { TollgateError } from '../errors.js';
import { checkOfDescriptor, DescriptorError, type DescriptorCheck } from './descriptor-check.js';
import { statusOf } from './descriptor-status.js';
import { rateLimitServiceDefinition, type RateLimitRequest, type RateLimitResponse } from './rate-limit-protos.js';

/** The most descriptors one call may carry, and the largest hits_addend (as the HTTP batch and count). */
export const MAX_DESCRIPTORS = 1000;
export const MAX_HITS_ADDEND = 1000;
/** How long close() lets calls in flight finish before it cuts them. */
const SHUTDOWN_GRACE_MS = 5_000;

export interface RateLimitServerOptions {
  service: DecisionService;
  /** DECISION_TOKEN; undefined takes calls without credentials (tests, a private socket). */
  token: string | undefined;
  host: string;
  /** 0: an ephemeral port (the answer says which). */
  port: number;
  logger: Logger;
}

export interface RateLimitServer {
  /** The port bound. */
  port: number;
  /** Stops taking calls; calls in flight get a few seconds to finish. */
  close(): Promise<void>;
}

export async function startRateLimitServer(options: RateLimitServerOptions): Promise<RateLimitServer> {
  const { service, logger } = options;
  const expected = options.token === undefined ? undefined : createHash('sha256').update(options.token).digest();
  const server = new grpc.Server();
  server.addService(rateLimitServiceDefinition(), {
    ShouldRateLimit: (call: grpc.ServerUnaryCall<RateLimitRequest, RateLimitResponse>, callback: grpc.sendUnaryData<RateLimitResponse>) => {
      if (expected && !bearerMatches(call.metadata.get('authorization'), expected)) {
        callback({ code: grpc.status.UNAUTHENTICATED, details: 'A valid service bearer token is required: metadata authorization: Bearer <DECISION_TOKEN>' });
        return;
      }
      shouldRateLimit(service, call.request).then(
        (response) => callback(null, response),
        (error: unknown) => callback(failureOf(error, logger)),
      );
    },
  });
  const address = options.host.includes(':') ? `[${options.host}]:${options.port}` : `${options.host}:${options.port}`;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), SHUTDOWN_GRACE_MS);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}

/** Every descriptor read first (a bad one fails the call before anything is counted), then all decided at once. */
async function shouldRateLimit(service: DecisionService, request: RateLimitRequest): Promise<RateLimitResponse> {
  const checks = checksOf(request);
  // Validated together first: a descriptor whose key does not normalise fails the call with none counted.
  const answers = await checkAll(service, checks.map((check) => ('packet' in check ? check.packet : check.generic)));
  const statuses = answers.map(statusOf);
  return { overall_code: statuses.some((status) => status.code === 'OVER_LIMIT') ? 'OVER_LIMIT' : 'OK', statuses };
}

/** Every descriptor's check, or a DescriptorError for the first that cannot be one (nothing is decided then). */
function checksOf(request: RateLimitRequest): DescriptorCheck[] {
  const { descriptors, hits_addend: hits } = request;
  if (descriptors.length === 0) throw new DescriptorError('descriptors: at least one descriptor is required');
  if (descriptors.length > MAX_DESCRIPTORS) throw new DescriptorError(`descriptors: ${descriptors.length} descriptors; at most ${MAX_DESCRIPTORS}`);
  if (hits > MAX_HITS_ADDEND) throw new DescriptorError(`hits_addend: ${hits} is over ${MAX_HITS_ADDEND}`);
  // Envoy sends 0 (the field's default) when it sets nothing, and means one hit.
  const amount = hits === 0 ? undefined : hits;
  return descriptors.map((descriptor, i) => checkOfDescriptor(descriptor.entries, amount, `descriptors[${i}]`));
}

/** Exactly one `authorization` value that is a bearer with this sha256 digest, compared in constant time. */
function bearerMatches(values: grpc.MetadataValue[], expectedDigest: Buffer): boolean {
  const value = values.length === 1 ? values[0] : undefined;
  const presented = typeof value === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(value)?.[1] : undefined;
  // Digests of equal length, so timingSafeEqual neither throws nor tells the token's length.
  return timingSafeEqual(createHash('sha256').update(presented ?? '').digest(), expectedDigest) && presented !== undefined;
}

/** A failed decision as a gRPC status: a store away is UNAVAILABLE (Envoy's failure mode decides), a bad key INVALID_ARGUMENT. */
function failureOf(error: unknown, logger: Logger): Partial<grpc.StatusObject> {
  if (error instanceof DescriptorError) return { code: grpc.status.INVALID_ARGUMENT, details: error.message };
  if (error instanceof TollgateError) {
    if (error.code === 'INVALID_REQUEST') return { code: grpc.status.INVALID_ARGUMENT, details: error.field ? `${error.field}: ${error.message}` : error.message };
    if (error.status === 503) return { code: grpc.status.UNAVAILABLE, details: error.message };
  }
  logger.error({ err: error }, 'ShouldRateLimit failed');
  return { code: grpc.status.INTERNAL, details: 'Internal error' };
}
