/**
 * The rows of the limiters section (bench/limiters.ts): what each sends, to which service, and
 * what one of its decisions is. Rows on a limiter kind are POST /v1/signup against that kind's
 * service (bench/limiter-fleet.ts), so the handler (validation, the signup INSERT) is the same
 * as the window reference's and only the limiter differs; denied rows never reach the handler.
 */
import type { RateLimitRequest } from '../src/grpc/rate-limit-protos.js';
import { runGrpc } from './grpc-load.js';
import { ABUSIVE_EMAILS, accountName, DECISION_TOKEN, deviceName, limiterKeyspace, strictAccountName, type LimiterKind, type PacketPopulation } from './limiter-fleet.js';
import { decisionReader, runHttpClosed, statusReader, type HttpRequestSpec, type RowLoad } from './limiter-load.js';
import { phoneAt, type PhoneRanges } from './phones.js';
import { freshCallers } from './scenarios.js';
import type { ServerProcess } from './server-process.js';

export interface Row {
  id: string;
  title: string;
  measures: string;
  server: ServerProcess;
  keyspace: string;
  /** The HTTP request of the row (absent for gRPC rows); a paced variant reuses it. */
  http?: HttpRequestSpec;
  /** The service goes on sharing fast-mode counts after the row (until its windows end). */
  leavesSyncing?: boolean;
  run(durationS: number): Promise<RowLoad>;
}

/** The decision API's services: exact documents, fast documents, fast documents with another sync interval. */
export type DecisionService = 'exact' | 'fast' | 'fastAltSync';

export interface RowDeps {
  kinds: ReadonlyMap<LimiterKind, ServerProcess>;
  decisions: Record<DecisionService, ServerProcess & { grpcPort: number }>;
  /** FAST_SYNC_INTERVAL_MS of the fastAltSync service. */
  altSyncMs: number;
  phones: PhoneRanges;
  population: PacketPopulation;
  connections: number;
  batchChecks: number;
  grpc: { inFlight: number; channels: number };
  /** rate-limiter-flexible on Redis with its in-memory block (run.ts's d-denied peer): what every denied row is held against. */
  peerBlock?: { server: ServerProcess; keyspace: string };
}

/** A fixed pool of returning callers, taken in turn forever. */
function pool(phones: PhoneRanges, size: number): () => string {
  const first = phones.take(size);
  let next = 0;
  return () => JSON.stringify({ phone: phoneAt(first + (next++ % size)) });
}

function abusers(): () => string {
  const bodies = ABUSIVE_EMAILS.map((email) => JSON.stringify({ email }));
  let next = 0;
  return () => bodies[next++ % bodies.length]!;
}

/** Packet checks cycling through every device of every generous account. */
function packetChecks(population: PacketPopulation): () => { account: string; device: string; kind: 'invite' } {
  const devices = population.accounts * population.devicesPerAccount;
  let next = 0;
  return () => {
    const i = next++ % devices;
    return { account: accountName(i % population.accounts), device: deviceName(i), kind: 'invite' };
  };
}

export function limiterRows(deps: RowDeps): Row[] {
  const { phones, connections } = deps;
  const rows: Row[] = [];
  const signupRow = (id: string, title: string, kind: LimiterKind, measures: string, body: () => string, requestHeaders?: () => Record<string, string>) => {
    const server = deps.kinds.get(kind)!;
    const http: HttpRequestSpec = { url: server.url, path: '/v1/signup', body, reader: statusReader, ...(requestHeaders ? { requestHeaders } : {}) };
    rows.push({ id, title, measures, server, keyspace: limiterKeyspace(kind), http, run: (s) => runHttpClosed(http, connections, s) });
  };
  const signupMeasures = 'POST /v1/signup, the limiter, then the signup handler (its INSERT is one plain write).';
  let device = 0;
  const devices = () => ({ 'x-device-id': `dev-${device++ % 5}` });

  signupRow('window', 'window (reference): signup allowed, fresh callers', 'window', `Scenario b: a new phone per request, 5/h and 30/24h sliding windows. ${signupMeasures}`, freshCallers(phones));
  signupRow('interval', 'interval "2/30", fresh callers', 'interval', `The same exact sliding window machinery with one window of 2 per 30 s. ${signupMeasures}`, freshCallers(phones));
  signupRow('concurrent', 'concurrent, max 3, 200 returning callers', 'concurrent', `A slot acquired before the handler and released after it (the route creates nothing that holds it): acquire + release is the decision. ${signupMeasures}`, pool(phones, 200));
  signupRow('carriers', 'carriers, 2 x 1000, 200 returning callers', 'carriers', `A slot on the first carrier with room (always carrier-a here), released after the handler, as concurrent. Keyed per caller, not "global": one hot partition would measure the per-partition queue, which bench:slots does. ${signupMeasures}`, pool(phones, 200));
  signupRow('bucket-fresh', 'bucket (Kazoo), fresh clients', 'bucket', `A new bucket per request: a read of its state, then an LWT (INSERT IF NOT EXISTS). ${signupMeasures}`, freshCallers(phones));
  signupRow('bucket-returning', 'bucket (Kazoo), 200 returning clients', 'bucket', `Each client's state is in the instance's cache: the LWT starts from the cached version, no read. ${signupMeasures}`, pool(phones, 200));
  signupRow('shared', 'shared bucket, 200 parents x 5 members', 'shared', `A hierarchical bucket per parent (the phone), members from x-device-id: cached state, one LWT per decision. ${signupMeasures}`, pool(phones, 200), devices);
  signupRow('window-fast', 'window in fast mode (1000/1s), 20 returning callers', 'fast', `Decided in memory; counts shared every FAST_SYNC_INTERVAL_MS (their writes and reads are in the C* column). ${signupMeasures}`, pool(phones, 20));

  // The yardstick for every denied row, measured in the same rounds: the peer refuses a
  // key it has blocked from process memory, without Redis (inMemoryBlockOnConsumed).
  if (deps.peerBlock) {
    const { server, keyspace } = deps.peerBlock;
    const abusivePhones = pool(phones, 5);
    const http: HttpRequestSpec = { url: server.url, path: '/v1/signup', body: abusivePhones, reader: statusReader };
    rows.push({
      id: 'peer-denied',
      title: 'peer: rate-limiter-flexible + Redis, in-memory block, denied: 5 abusive callers',
      measures: 'The same POST /v1/signup (same body reader, validation and error renderer), limited by RateLimiterUnion over two RateLimiterRedis with inMemoryBlockOnConsumed: a blocked phone is refused from process memory.',
      server,
      keyspace,
      http,
      run: (s) => runHttpClosed(http, connections, s),
    });
  }
  for (const kind of ['window', 'interval', 'concurrent', 'carriers', 'bucket', 'shared', 'fast'] as const) {
    const why = kind === 'concurrent' || kind === 'carriers' ? 'every slot taken beforehand (live calls)' : 'over the limit after the warm-up';
    signupRow(`${kind}-denied`, `${kind}, denied: 5 abusive callers`, kind, `5 callers in turn, ${why}; refused before the handler.`, abusers());
  }

  const packets = packetChecks(deps.population);
  const keyspaceOf = { exact: 'dx', fast: 'df', fastAltSync: 'dfalt' } as const;
  const decisionRow = (id: string, which: DecisionService, title: string, measures: string, body: () => string, checks = 1) => {
    const server = deps.decisions[which];
    const http: HttpRequestSpec = { url: server.url, path: checks === 1 ? '/v1/throttle/check' : '/v1/throttle/check/batch', headers: { authorization: `Bearer ${DECISION_TOKEN}` }, body, reader: decisionReader(checks) };
    rows.push({ id, title, measures, server, keyspace: limiterKeyspace(keyspaceOf[which]), http, run: (s) => runHttpClosed(http, connections, s), leavesSyncing: which !== 'exact' });
  };
  const grpcRow = (id: string, which: DecisionService) => {
    const server = deps.decisions[which];
    const request = (): RateLimitRequest => {
      const p = packets();
      return { domain: 'bench', descriptors: [{ entries: [{ key: 'account', value: p.account }, { key: 'device', value: p.device }, { key: 'kind', value: p.kind }] }], hits_addend: 0 };
    };
    const spec = { target: `127.0.0.1:${server.grpcPort}`, token: DECISION_TOKEN, inFlight: deps.grpc.inFlight, channels: deps.grpc.channels, request };
    rows.push({
      id,
      title: `gRPC ShouldRateLimit, ${which}, one descriptor per call`,
      measures: `Envoy's RateLimitService, ${deps.grpc.inFlight} calls in flight over ${deps.grpc.channels} channels (@grpc/grpc-js in the load process); one descriptor = one packet check as above.`,
      server,
      keyspace: limiterKeyspace(keyspaceOf[which]),
      run: (s) => runGrpc(spec, s),
      leavesSyncing: which !== 'exact',
    });
  };
  const population = `${deps.population.accounts} accounts x ${deps.population.devicesPerAccount} devices, in turn`;
  const packetMeasures = 'A packet check (an INVITE from a device) answered 200, counted in invites and total_packets of the device and of its account, per second and per minute.';
  const batch = () => JSON.stringify({ checks: Array.from({ length: deps.batchChecks }, packets) });
  let strict = 0;
  const strictChecks = () => JSON.stringify({ account: strictAccountName(strict++ % deps.population.strictAccounts), kind: 'invite' });

  // Exact documents first, fast ones last, the default sync's service last of all: a fast service
  // keeps syncing its per-minute windows for up to a minute after its last check (counted in its
  // keyspace's operations), which the drain pause between rounds (limiters.ts) waits out. Its
  // denied row comes first, so that it counts its own windows and not the allowed rows'.
  decisionRow('decision-exact', 'exact', 'decision API, exact, single checks', `${packetMeasures} Exact: one state per account holding its devices' counters too, one compare-and-set per check. ${population}.`, () => JSON.stringify(packets()));
  decisionRow('decision-exact-batch', 'exact', `decision API, exact, batches of ${deps.batchChecks}`, `${deps.batchChecks} packet checks per request, decided concurrently; one decision = one check. Latency is the batch's.`, batch, deps.batchChecks);
  grpcRow('grpc-exact', 'exact');
  decisionRow('decision-exact-denied', 'exact', 'decision API, exact, denied: 5 accounts over their limit', 'Packet checks (no device) of 5 accounts whose per-minute limit (1) is spent.', strictChecks);
  decisionRow(
    `decision-fast-sync${deps.altSyncMs}`,
    'fastAltSync',
    `decision API, fast, single checks, FAST_SYNC_INTERVAL_MS=${deps.altSyncMs}`,
    `As decision-fast, on a service sharing its counts every ${deps.altSyncMs} ms: what the 50 ms sync costs (its bound grows with the interval).`,
    () => JSON.stringify(packets()),
  );
  decisionRow('decision-fast-denied', 'fast', 'decision API, fast, denied: 5 accounts over their limit', 'As decision-exact-denied, fast documents.', strictChecks);
  decisionRow('decision-fast', 'fast', 'decision API, fast, single checks', `${packetMeasures} Fast: four window rules decided in memory, counts shared every 50 ms (FAST_SYNC_INTERVAL_MS default). ${population}.`, () => JSON.stringify(packets()));
  decisionRow('decision-fast-batch', 'fast', `decision API, fast, batches of ${deps.batchChecks}`, `${deps.batchChecks} packet checks per request; one decision = one check. Latency is the batch's.`, batch, deps.batchChecks);
  grpcRow('grpc-fast', 'fast');
  return rows;
}
