/**
 * Memory per active key of the service's in-process cache (src/engine/partition-cache.ts: the
 * last known state of each partition an instance decided on, which lets floods be denied and
 * admissions go straight to the compare-and-set). Fills a PartitionCache with `entries` callers
 * shaped as the service makes them (caller = base64url HMAC under the bench's KEY_SECRET, api =
 * the signup rule's id, the calls array built by push as CassandraCallLog.read builds it) and
 * reads the heap growth after full GCs.
 *
 * Run as its own process, since it needs --expose-gc and a quiet heap:
 *   node --expose-gc --import tsx bench/cache-memory.ts [entries]
 * prints one JSON line; run.ts does that and puts the figures in the report.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PartitionCache } from '../src/engine/partition-cache.js';
import { createKeyHasher } from '../src/keys/key-hasher.js';
import { parseRules } from '../src/rules/parse-rules.js';
import { BENCH_KEY_SECRET, ruleFile, SIGNUP_LIMITS, SIGNUP_RULE_ID } from './fleet.js';
import { phoneAt } from './phones.js';

export interface CacheMemory {
  entries: number;
  /** Heap bytes per cached key: 1 call (a fresh signup), 5 (a full hour) and 30 (a full day). */
  bytesPerKey1Call: number;
  bytesPerKey5Calls: number;
  bytesPerKey30Calls: number;
}

/** Spawns this file in a child with --expose-gc and returns what it measured. */
export function measureCacheMemory(root: string, entries: number): CacheMemory {
  const self = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, String(entries)], { cwd: root, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as CacheMemory;
}

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('bench/cache-memory: run with node --expose-gc');
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

function bytesPerKey(entries: number, calls: number): number {
  const rule = parseRules('bench', ruleFile(SIGNUP_RULE_ID, SIGNUP_LIMITS))[0]!;
  const hasher = createKeyHasher(BENCH_KEY_SECRET);
  const now = Date.now();
  const before = heapAfterGc();
  const cache = new PartitionCache(entries);
  // Hashed inside the loop, as each request does: the key strings the cache keeps are counted,
  // the garbage around them is collected before the second reading.
  for (let i = 0; i < entries; i++) {
    const callsMs: number[] = [];
    for (let c = 0; c < calls; c++) callsMs.push(now - c * 60_000);
    cache.set(rule, { caller: hasher.hash(phoneAt(i)), api: SIGNUP_RULE_ID }, { version: calls, callsMs });
  }
  const after = heapAfterGc();
  if (cache.size !== entries) throw new Error(`bench/cache-memory: cache kept ${cache.size} of ${entries} entries`);
  return Math.round((after - before) / entries);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const entries = Number(process.argv[2] ?? 100_000);
  const result: CacheMemory = {
    entries,
    bytesPerKey1Call: bytesPerKey(entries, 1),
    bytesPerKey5Calls: bytesPerKey(entries, 5),
    bytesPerKey30Calls: bytesPerKey(entries, 30),
  };
  console.log(JSON.stringify(result));
}
