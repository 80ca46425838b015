/**
 * Registers each partition of the calls table in call_partitions (cql/011_prune.cql) on the
 * decision path, so the prune job can find a rule's partitions without a scan. Cost: one plain
 * INSERT per partition per day per instance, sent after the admission landed and not awaited
 * (a lost registration only means the row waits for its TTL instead of the prune job). This
 * instance remembers what it registered today in a bounded set.
 */
import type cassandra from 'cassandra-driver';
import type { PartitionKey } from '../../engine/call-log.js';
import { REGISTRY_SLACK_MS } from '../../engine/call-log-maintenance.js';

const DAY_MS = 86_400_000;
const MAX_REMEMBERED = 200_000;

export class CassandraPartitionRegistry {
  private readonly insert: string;
  private day = -1;
  private readonly registered = new Set<string>();
  /** Registrations that failed (they are not retried: TTL bounds the rows anyway). */
  failures = 0;

  constructor(private readonly client: cassandra.Client, keyspace: string, private readonly consistency: number) {
    this.insert = `INSERT INTO ${keyspace}.call_partitions (api, day, caller) VALUES (?, ?, ?) USING TTL ?`;
  }

  register(partition: PartitionKey, ttlSeconds: number, atMs: number): void {
    const day = Math.floor(atMs / DAY_MS);
    if (day !== this.day || this.registered.size >= MAX_REMEMBERED) {
      this.day = day;
      this.registered.clear();
    }
    const id = `${partition.api}\u0000${partition.caller}`;
    if (this.registered.has(id)) return;
    this.registered.add(id);
    this.client
      .execute(this.insert, [partition.api, day, partition.caller, ttlSeconds + REGISTRY_SLACK_MS / 1000], { prepare: true, consistency: this.consistency, isIdempotent: true })
      .catch(() => {
        this.failures++;
        this.registered.delete(id);
      });
  }
}
