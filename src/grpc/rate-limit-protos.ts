/**
 * Envoy's rate limit service definition, loaded from the vendored protos in proto/ (see
 * proto/README.md). The folder is found from this module's own location, so the same code works
 * from src/grpc (tsx, tests) and from dist/grpc (compiled): both are two levels below the package root.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** The package root's proto/ folder. */
export const PROTO_DIR = fileURLToPath(new URL('../../proto/', import.meta.url));
export const RLS_PROTO = 'envoy/service/ratelimit/v3/rls.proto';

/**
 * Field names as the protos spell them (hits_addend), enums by name ("OVER_LIMIT"), 64-bit
 * integers as numbers (Duration.seconds stays far below 2^53), and absent fields as their defaults
 * (a request without hits_addend reads 0, as Envoy means it).
 */
export const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, enums: String, longs: Number, defaults: true, oneofs: true, includeDirs: [PROTO_DIR] };

/** One entry of a descriptor, as decoded. */
export interface DescriptorEntry {
  key: string;
  value: string;
}

/** envoy.service.ratelimit.v3.RateLimitRequest, as decoded with LOADER_OPTIONS. */
export interface RateLimitRequest {
  domain: string;
  descriptors: Array<{ entries: DescriptorEntry[] }>;
  hits_addend: number;
}

export type Code = 'UNKNOWN' | 'OK' | 'OVER_LIMIT';
export type Unit = 'SECOND' | 'MINUTE' | 'HOUR' | 'DAY';

/** RateLimitResponse.DescriptorStatus, as it is encoded. */
export interface DescriptorStatus {
  code: Code;
  current_limit?: { name: string; requests_per_unit: number; unit: Unit };
  limit_remaining: number;
  duration_until_reset?: { seconds: number; nanos: number };
}

/** envoy.service.ratelimit.v3.RateLimitResponse, as it is encoded. */
export interface RateLimitResponse {
  overall_code: Code;
  statuses: DescriptorStatus[];
}

/** The loaded package: `.envoy.service.ratelimit.v3.RateLimitService` is the service (and a client constructor). */
export function loadRateLimitPackage(): grpc.GrpcObject {
  return grpc.loadPackageDefinition(protoLoader.loadSync(RLS_PROTO, LOADER_OPTIONS));
}

/** The RateLimitService definition a server adds. */
export function rateLimitServiceDefinition(): grpc.ServiceDefinition {
  const service = (loadRateLimitPackage() as unknown as { envoy: { service: { ratelimit: { v3: { RateLimitService: grpc.ServiceClientConstructor } } } } }).envoy.service.ratelimit.v3.RateLimitService;
  return service.service;
}
