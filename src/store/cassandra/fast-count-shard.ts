/**
 * Which row of a window a fast count lives in (cql/021_fast_window_rows.cql), and how a row holds
 * its counts. The writer (FastCountMirror) places each count with fastCountShard; readers read a
 * window's rows whole, so they need not agree with it. It must still be stable within one
 * process's life (a count moving between its rows would be counted in both until the old row is
 * rewritten) and, cheaply, across releases: the hash is spelled out here rather than borrowed from
 * a library, and its values are pinned by test/unit/store/fast-count-shard.test.ts.
 */
import type { PartitionKey } from '../../engine/call-log.js';

/** Shards per window by default: see the store's header for what the number trades. */
export const DEFAULT_FAST_COUNT_SHARDS = 4;

/** One row's place in fast_window_rows, this instance's id aside: a window length, a window start and a shard. */
export interface FastCountShardKey {
  windowMs: number;
  /** Epoch ms, a multiple of windowMs. */
  windowStart: number;
  shard: number;
}

/** One count of a row, as the store handles it (encodeShardCounts writes it more compactly). */
export type ShardCountEntry = [api: string, caller: string, count: number];

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * The shard of a partition: 32-bit FNV-1a over the UTF-16 code units of api, a NUL and caller,
 * modulo `shards`. FNV-1a because it is a few lines anyone can reproduce, spreads short similar
 * strings (phone numbers that differ in one digit) well, and costs nothing next to a statement.
 */
export function fastCountShard(partition: PartitionKey, shards: number): number {
  return fnv1a32(`${partition.api}\u0000${partition.caller}`) % shards;
}

/** 32-bit FNV-1a of a string's UTF-16 code units, unsigned. */
export function fnv1a32(text: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), FNV_PRIME);
  }
  return hash >>> 0;
}

/**
 * The partition a window's rows live in: the minute its start falls in (epoch ms). Every window of
 * a minute or less that starts in it shares it, so the per-second and the per-minute windows of
 * a sync are one partition to write and one to read; a longer window has its start minute's.
 */
export function fastCountMinute(windowStart: number): number {
  return windowStart - (windowStart % 60_000);
}

/** A string for a shard key, for maps. */
export function fastCountShardKeyId(key: FastCountShardKey): string {
  return `${key.windowMs}:${key.windowStart}:${key.shard}`;
}

/** Checks a shard count once, where the store is built: a bad one would misplace every count. */
export function checkShardCount(shards: number): number {
  if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`fast count shards must be a positive integer, got ${shards}`);
  return shards;
}

/**
 * The `counts` column of a row: compact JSON with one array per rule, the rule written once and
 * then its callers and counts, [[api, caller, count, caller, count, ...], ...] ([] for an instance
 * that has nothing left there). Callers are key hashes of 43 characters and rule ids some 30, so a
 * count costs about 50 bytes this way and 85 as an [api, caller, count] triple.
 */
export function encodeShardCounts(entries: Iterable<ShardCountEntry>): string {
  const byApi = new Map<string, Array<string | number>>();
  for (const [api, caller, count] of entries) {
    const group = byApi.get(api);
    if (group) group.push(caller, count);
    else byApi.set(api, [api, caller, count]);
  }
  return JSON.stringify([...byApi.values()]);
}

/**
 * The counts of another instance's row. A row this release cannot read (not JSON, or another
 * shape, e.g. written by a later release) throws: the sync fails and is counted (onSyncError),
 * rather than deciding on counts read wrong.
 */
export function decodeShardCounts(text: string): ShardCountEntry[] {
  const groups: unknown = JSON.parse(text);
  if (!Array.isArray(groups) || !groups.every(isRuleGroup)) {
    throw new Error(`fast_window_rows: a row's counts are not [[api, caller, count, ...], ...]: ${text.slice(0, 80)}`);
  }
  const entries: ShardCountEntry[] = [];
  for (const group of groups) {
    for (let i = 1; i < group.length; i += 2) entries.push([group[0], group[i] as string, group[i + 1] as number]);
  }
  return entries;
}

function isRuleGroup(group: unknown): group is [string, ...Array<string | number>] {
  if (!Array.isArray(group) || group.length < 3 || group.length % 2 === 0 || typeof group[0] !== 'string') return false;
  for (let i = 1; i < group.length; i += 2) {
    if (typeof group[i] !== 'string' || typeof group[i + 1] !== 'number') return false;
  }
  return true;
}
