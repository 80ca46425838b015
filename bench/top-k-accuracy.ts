/**
 * Accuracy and memory of the heavy hitters (src/heavy-hitters) against exact counts, on a seeded
 * Zipf workload: 1M events over 100k callers, s = 1.1, callers shaped as the service makes them
 * (43-character base64url HMACs). For each structure: recall of the true top K, the count error
 * of the K reported (max and mean; counts never under-count), the largest error bound reported,
 * whether every bound held, and memory: counters x bytes per counter, and the heap growth after
 * a full GC while the structure is held.
 *
 *   node --expose-gc --import tsx bench/top-k-accuracy.ts [events] [keys]
 *
 * Prints a markdown table (no Cassandra, no network; about half a minute on this 2-core box).
 */
import { createHmac } from 'node:crypto';
import { HeavyHitterTracker } from '../src/heavy-hitters/heavy-hitter-tracker.js';
import { reportHeavyHitters, type HeavyHitter } from '../src/heavy-hitters/heavy-hitter-report.js';
import { SpaceSaving } from '../src/heavy-hitters/space-saving.js';
import { MemoryHeavyHitterStore } from '../src/store/memory/memory-heavy-hitter-store.js';
import { zipfWorkload } from './zipf-workload.js';

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const KEYS = Number(process.argv[3] ?? 100_000);
const S = 1.1;
const SEED = 14;
const T0 = 1_800_000_000_000;
const HOUR_MS = 3_600_000;

interface Row {
  structure: string;
  k: number;
  capacity: number;
  recall: number;
  maxError: number;
  meanError: number;
  maxBound: number;
  guarantee: number;
  boundsHeld: boolean;
  counters: number;
  heapBytes: number;
  /** Counting only (publishing is off the request path, in the job; timed apart). */
  nsPerEvent: number;
  /** Per publish of every instance (snapshot + embedded store write), and per report (read + merge). */
  publishMs?: number;
  reportMs?: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('bench/top-k-accuracy: run with node --expose-gc --import tsx');
const heapAfterGc = () => {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
};
/** A string of its own, as a request's HMAC digest would be (not a reference into `names`). */
const fresh = (s: string) => Buffer.from(s, 'latin1').toString('latin1');

console.error(`bench: ${EVENTS.toLocaleString('en-US')} events over ${KEYS.toLocaleString('en-US')} callers, Zipf s = ${S}, seed ${SEED}`);
const { stream, counts } = zipfWorkload({ events: EVENTS, keys: KEYS, s: S, seed: SEED });
const names = Array.from({ length: KEYS }, (_, i) => createHmac('sha256', 'bench-top-k').update(`+1415${String(i).padStart(7, '0')}`).digest('base64url'));
const indexOf = new Map(names.map((name, i) => [name, i]));
const sortedCounts = [...counts].sort((a, b) => b - a);

/** Compares K reported callers with the exact counts. */
function score(top: readonly HeavyHitter[], k: number) {
  const kth = sortedCounts[k - 1]!;
  let hits = 0;
  let maxError = 0;
  let sumError = 0;
  let maxBound = 0;
  let boundsHeld = true;
  for (const hit of top) {
    const truth = counts[indexOf.get(hit.caller)!]!;
    if (truth >= kth) hits++;
    maxError = Math.max(maxError, hit.count - truth);
    sumError += hit.count - truth;
    maxBound = Math.max(maxBound, hit.error);
    if (hit.count < truth || hit.count - hit.error > truth) boundsHeld = false;
  }
  return { recall: hits / k, maxError, meanError: top.length ? sumError / top.length : 0, maxBound, boundsHeld };
}

/**
 * Runs `feed` twice: once on a fresh string per event, as requests bring them, for the heap it
 * holds (first, so that nothing of the other run is still reachable), then timed, on the shared
 * caller strings (copying them would dominate the time).
 */
async function measured<T>(feed: (caller: (i: number) => string) => Promise<T>): Promise<{ result: T; ns: number; heapBytes: number }> {
  const before = heapAfterGc();
  const result = await feed((i) => fresh(names[stream[i]!]!));
  const heapBytes = heapAfterGc() - before;
  const started = performance.now();
  await feed((i) => names[stream[i]!]!);
  const ns = ((performance.now() - started) * 1e6) / EVENTS;
  return { result, ns, heapBytes };
}

/** One space-saving summary over the whole stream. */
async function single(capacity: number, k: number): Promise<Row> {
  const { result: summary, ns, heapBytes } = await measured(async (caller) => {
    const summary = new SpaceSaving(capacity);
    for (let i = 0; i < EVENTS; i++) summary.offer(caller(i));
    return summary;
  });
  const top = summary.counters().slice(0, k);
  return { structure: 'one summary', k, capacity, ...score(top, k), guarantee: EVENTS / capacity, counters: summary.size, heapBytes, nsPerEvent: ns };
}

/**
 * The service's path: the stream spread over an hour and `instances` trackers (each keeping its
 * 1m, 1h and 1d buckets), publishing to an embedded store every 5 s of the hour as the job
 * does, and the last hour reported: 13 five-minute buckets x instances summaries merged, with
 * their floors added to the bounds. The heap growth is the trackers' and the embedded store's.
 */
async function runFleet(capacity: number, instances: number, caller: (i: number) => string) {
  let now = T0;
  const store = new MemoryHeavyHitterStore(() => now);
  const trackers = Array.from({ length: instances }, (_, i) => new HeavyHitterTracker({ capacity, instanceId: `i${i}` }));
  let countingMs = 0;
  let publishMs = 0;
  let publishes = 0;
  let nextPublish = T0 + 5_000;
  let mark = performance.now();
  for (let i = 0; i < EVENTS; i++) {
    now = T0 + Math.floor((i * HOUR_MS) / EVENTS);
    if (now >= nextPublish) {
      const started = performance.now();
      countingMs += started - mark;
      for (const tracker of trackers) {
        const batch = tracker.pending();
        await store.write(batch.summaries);
        batch.done(now);
      }
      nextPublish += 5_000;
      publishes++;
      mark = performance.now();
      publishMs += mark - started;
    }
    trackers[i % instances]!.observe([{ rule: 'bench', outcome: 'limited', caller: caller(i) }], now);
  }
  countingMs += performance.now() - mark;
  return { store, trackers, nsPerEvent: (countingMs * 1e6) / EVENTS, publishMs: publishMs / publishes };
}

async function fleet(capacity: number, k: number, instances: number): Promise<Row> {
  const before = heapAfterGc();
  const { store, trackers } = await runFleet(capacity, instances, (i) => fresh(names[stream[i]!]!));
  const heapBytes = heapAfterGc() - before;
  const counters = trackers.reduce((sum, t) => sum + t.footprint().counters, 0);
  for (const tracker of trackers) await store.write(tracker.pending().summaries);
  const reportStarted = performance.now();
  const report = await reportHeavyHitters({ store, tracker: trackers[0]!, showKeys: false }, { rule: 'bench', window: '1h', k }, T0 + HOUR_MS - 1);
  const reportMs = performance.now() - reportStarted;
  const timed = await runFleet(capacity, instances, (i) => names[stream[i]!]!);
  return {
    structure: `${instances} instance${instances > 1 ? 's' : ''}, last hour (${13 * instances} summaries merged)`,
    k,
    capacity,
    ...score(report.refused, k),
    guarantee: EVENTS / capacity,
    counters,
    heapBytes,
    nsPerEvent: timed.nsPerEvent,
    publishMs: timed.publishMs,
    reportMs,
  };
}

const rows: Row[] = [];
await single(40, 10); // warm-up: compiled code and lazily made objects out of the heap figures
for (const [capacity, k] of [[40, 10], [100, 10], [400, 10], [400, 100], [1_000, 100], [4_000, 100]] as const) {
  rows.push(await single(capacity, k));
  console.error(`bench: one summary, m = ${capacity}, K = ${k} done`);
}
for (const [capacity, k, instances] of [[400, 10, 1], [400, 10, 3], [400, 100, 3], [1_000, 100, 3]] as const) {
  rows.push(await fleet(capacity, k, instances));
  console.error(`bench: ${instances} instances, m = ${capacity}, K = ${k} done`);
}

// Bytes per counter: a full summary of fresh 43-character callers, measured alone.
const before = heapAfterGc();
const probe = new SpaceSaving(10_000);
for (let i = 0; i < 10_000; i++) probe.offer(fresh(names[i]!));
const bytesPerCounter = Math.round((heapAfterGc() - before) / probe.size);

const f = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const kib = (bytes: number) => `${f(bytes / 1024, 0)} KiB`;
console.log(`\n### Heavy hitters against exact counts: ${f(EVENTS)} events, ${f(KEYS)} callers, Zipf s = ${S}, seed ${SEED}\n`);
console.log(`True top counts: #1 ${f(sortedCounts[0]!)}, #10 ${f(sortedCounts[9]!)}, #100 ${f(sortedCounts[99]!)}. One counter takes about ${bytesPerCounter} bytes of heap (a 43-character caller, its counts, its place in the index).\n`);
console.log('| structure | K | counters per summary (m) | recall@K | max count error | mean count error | largest error bound shown | N/m | bounds held | counters held at the end | memory (counters x bytes) | heap growth | ns per event (counting) | ms per publish | ms per report |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.structure} | ${r.k} | ${f(r.capacity)} | ${f(r.recall * 100, 0)}% | ${f(r.maxError)} | ${f(r.meanError, 1)} | ${f(r.maxBound)} | ${f(r.guarantee)} | ${r.boundsHeld ? 'yes' : 'NO'} | ${f(r.counters)} | ${kib(r.counters * bytesPerCounter)} | ${kib(r.heapBytes)} | ${f(r.nsPerEvent, 0)} | ${r.publishMs === undefined ? '' : f(r.publishMs, 2)} | ${r.reportMs === undefined ? '' : f(r.reportMs, 1)} |`);
}
