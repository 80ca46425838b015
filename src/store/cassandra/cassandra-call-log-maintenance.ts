/**
 * The prune job's view of the calls table on Cassandra (cql/011_prune.cql). Removing a deleted
 * rule's partition is one partition tombstone; removing the calls of a shortened window is one
 * range tombstone per partition, older than anything a decision reads (decisions read newest
 * first and stop at their window), so neither slows the decision path.
 */
import cassandra from 'cassandra-driver';
import type { PartitionKey } from '../../engine/call-log.js';
import type { CallLogMaintenance, PruneRecord } from '../../engine/call-log-maintenance.js';
import type { CassandraDomainOptions } from './cassandra-domain-options.js';

const { types } = cassandra;
const DAY_MS = 86_400_000;
const dayOf = (ms: number) => Math.floor(ms / DAY_MS);
const days = (sinceMs: number, nowMs: number) => Array.from({ length: dayOf(nowMs) - dayOf(sinceMs) + 1 }, (_, i) => dayOf(sinceMs) + i);

export class CassandraCallLogMaintenance implements CallLogMaintenance {
  private readonly q: Record<'callers' | 'count' | 'countAll' | 'removeBefore' | 'removeAll' | 'forget' | 'records' | 'insert' | 'update' | 'delete', string>;

  constructor(private readonly client: cassandra.Client, private readonly options: CassandraDomainOptions) {
    const ks = options.keyspace;
    this.q = {
      callers: `SELECT caller FROM ${ks}.call_partitions WHERE api = ? AND day = ?`,
      count: `SELECT COUNT(*) AS n FROM ${ks}.calls WHERE caller = ? AND api = ? AND time <= ?`,
      countAll: `SELECT COUNT(time) AS n FROM ${ks}.calls WHERE caller = ? AND api = ?`,
      removeBefore: `DELETE FROM ${ks}.calls WHERE caller = ? AND api = ? AND time <= ?`,
      removeAll: `DELETE FROM ${ks}.calls WHERE caller = ? AND api = ?`,
      forget: `DELETE FROM ${ks}.call_partitions WHERE api = ? AND day = ?`,
      records: `SELECT api, window_ms FROM ${ks}.prune_rules`,
      insert: `INSERT INTO ${ks}.prune_rules (api, window_ms) VALUES (?, ?) IF NOT EXISTS`,
      update: `UPDATE ${ks}.prune_rules SET window_ms = ? WHERE api = ? IF window_ms = ?`,
      delete: `DELETE FROM ${ks}.prune_rules WHERE api = ? IF window_ms = ?`,
    };
  }

  async *callers(api: string, sinceMs: number, nowMs: number): AsyncIterable<string> {
    for (const day of days(sinceMs, nowMs)) {
      let pageState: string | undefined;
      do {
        const result = await this.run(this.q.callers, [api, day], { fetchSize: 1_000, ...(pageState ? { pageState } : {}) });
        for (const row of result.rows) yield row.get('caller') as string;
        pageState = result.pageState ?? undefined;
      } while (pageState);
    }
  }

  async countCalls(partition: PartitionKey, beforeMs?: number): Promise<number> {
    const result = beforeMs === undefined
      ? await this.run(this.q.countAll, [partition.caller, partition.api])
      : await this.run(this.q.count, [partition.caller, partition.api, types.TimeUuid.max(new Date(beforeMs), 9999)]);
    return Number(result.first()?.get('n') ?? 0);
  }

  async removeCalls(partition: PartitionKey, beforeMs?: number): Promise<void> {
    if (beforeMs === undefined) await this.run(this.q.removeAll, [partition.caller, partition.api]);
    else await this.run(this.q.removeBefore, [partition.caller, partition.api, types.TimeUuid.max(new Date(beforeMs), 9999)]);
  }

  async forgetRule(api: string, sinceMs: number, nowMs: number): Promise<void> {
    for (const day of days(sinceMs, nowMs)) await this.run(this.q.forget, [api, day]);
  }

  async records(): Promise<PruneRecord[]> {
    return (await this.run(this.q.records, [])).rows.map((row) => ({ api: row.get('api'), windowMs: Number(row.get('window_ms')) }));
  }

  async claim(api: string, expected: number | undefined, next: number | undefined): Promise<boolean> {
    const lwt = { serialConsistency: this.options.serialConsistency, isIdempotent: false };
    const long = (n: number) => types.Long.fromNumber(n);
    if (expected === undefined && next === undefined) return false;
    const result = expected === undefined
      ? await this.run(this.q.insert, [api, long(next!)], lwt)
      : next === undefined
        ? await this.run(this.q.delete, [api, long(expected)], lwt)
        : await this.run(this.q.update, [long(next), api, long(expected)], lwt);
    return result.wasApplied();
  }

  private run(query: string, params: unknown[], extra: cassandra.QueryOptions = {}): Promise<cassandra.types.ResultSet> {
    return this.client.execute(query, params, { prepare: true, consistency: this.options.consistency, readTimeout: Math.max(this.options.timeoutMs, 10_000), isIdempotent: true, ...extra });
  }
}
