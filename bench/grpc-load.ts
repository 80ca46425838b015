/**
 * Closed-loop load on Envoy's RateLimitService (the service's gRPC port): `inFlight` calls of
 * ShouldRateLimit always outstanding over `channels` HTTP/2 connections, each worker sending its
 * next call when the previous answer arrives, as Envoy's ratelimit filters of a busy proxy fleet
 * would. Latency is from the call to its answer, measured here.
 */
import * as grpc from '@grpc/grpc-js';
import { loadRateLimitPackage, type RateLimitRequest, type RateLimitResponse } from '../src/grpc/rate-limit-protos.js';
import { DecisionTally, type RowLoad } from './limiter-load.js';

export interface GrpcLoadSpec {
  /** host:port */
  target: string;
  token: string;
  inFlight: number;
  channels: number;
  request: () => RateLimitRequest;
}

type Client = grpc.Client & {
  ShouldRateLimit(request: RateLimitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response?: RateLimitResponse) => void): void;
};

export async function runGrpc(spec: GrpcLoadSpec, durationS: number): Promise<RowLoad> {
  const Service = (loadRateLimitPackage() as unknown as { envoy: { service: { ratelimit: { v3: { RateLimitService: grpc.ServiceClientConstructor } } } } }).envoy.service.ratelimit.v3.RateLimitService;
  // A channel option of its own per client, so that each gets its own connection (grpc-js shares subchannels otherwise).
  const clients = Array.from({ length: Math.max(1, spec.channels) }, (_, i) => new Service(spec.target, grpc.credentials.createInsecure(), { 'grpc.bench_channel': i }) as unknown as Client);
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${spec.token}`);
  let descriptors = 0;
  const tally = new DecisionTally({
    decisionsPerAnswer: 1,
    admitted: () => 0,
  });
  const endAt = performance.now() + durationS * 1000;
  const call = (client: Client, request: RateLimitRequest) =>
    new Promise<RateLimitResponse | undefined>((resolve) => {
      client.ShouldRateLimit(request, metadata, { deadline: Date.now() + 10_000 }, (error, response) => {
        if (error) tally.fail(grpc.status[error.code] ?? String(error.code));
        resolve(error ? undefined : response);
      });
    });
  let admitted = 0;
  let refused = 0;
  await Promise.all(
    Array.from({ length: spec.inFlight }, async (_, worker) => {
      const client = clients[worker % clients.length]!;
      while (performance.now() < endAt) {
        const request = spec.request();
        const sentAt = performance.now();
        const response = await call(client, request);
        tally.latency(performance.now() - sentAt);
        if (!response) continue;
        descriptors += response.statuses.length;
        for (const status of response.statuses) {
          if (status.code === 'OK') admitted++;
          else refused++;
        }
      }
    }),
  );
  for (const client of clients) client.close();
  const load = tally.result();
  return { ...load, decisions: descriptors, admitted, refused, dps: Math.round(descriptors / load.durationS) };
}
