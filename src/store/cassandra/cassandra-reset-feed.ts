/**
 * The reset feed on Cassandra (cql/005_limit_resets.cql): a reset is a row in the partition of
 * its minute; each instance polls the current and the previous minute and keeps the ids it has
 * seen, so clocks a little apart between instances cannot make it miss one.
 */
import cassandra from 'cassandra-driver';
import type { PartitionKey } from '../../engine/call-log.js';
import type { ResetFeed } from '../../engine/reset-feed.js';

const MINUTE_MS = 60_000;

export class CassandraResetFeed implements ResetFeed {
  private readonly insertQuery: string;
  private readonly selectQuery: string;
  /** Row id -> minute it was seen in, forgotten once that minute is no longer polled. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly client: cassandra.Client,
    keyspace: string,
    private readonly consistency: number,
    private readonly timeoutMs: number,
  ) {
    this.insertQuery = `INSERT INTO ${keyspace}.limit_resets (minute, at, caller, api) VALUES (?, ?, ?, ?)`;
    this.selectQuery = `SELECT at, caller, api FROM ${keyspace}.limit_resets WHERE minute IN ?`;
  }

  async publish(partition: PartitionKey, atMs: number): Promise<void> {
    const minute = Math.floor(atMs / MINUTE_MS);
    await this.client.execute(
      this.insertQuery,
      [cassandra.types.Long.fromNumber(minute), cassandra.types.TimeUuid.fromDate(new Date(atMs)), partition.caller, partition.api],
      { prepare: true, consistency: this.consistency, readTimeout: this.timeoutMs, isIdempotent: true },
    );
  }

  async poll(nowMs: number): Promise<PartitionKey[]> {
    const minute = Math.floor(nowMs / MINUTE_MS);
    const minutes = [minute - 1, minute].map((m) => cassandra.types.Long.fromNumber(m));
    const result = await this.client.execute(this.selectQuery, [minutes], {
      prepare: true,
      consistency: this.consistency,
      readTimeout: this.timeoutMs,
      isIdempotent: true,
    });
    const fresh: PartitionKey[] = [];
    for (const row of result.rows) {
      const id = String(row.get('at'));
      if (this.seen.has(id)) continue;
      this.seen.set(id, minute);
      fresh.push({ caller: row.get('caller'), api: row.get('api') });
    }
    for (const [id, seenIn] of this.seen) if (seenIn < minute - 2) this.seen.delete(id);
    return fresh;
  }
}
