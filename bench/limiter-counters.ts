/**
 * What a keyspace cost the Cassandra node, split by operation, from the node's own per-table
 * counters (system_views). bench/cassandra-node.ts reads three of the views; the limiter rows also
 * need coordinator writes, because that is what tells plain writes from lightweight transactions.
 * Checked against the node (5.0) with one statement of each sort, ten times each:
 *
 *   statement                  coordinator reads | coordinator writes | local reads | local writes
 *   SELECT                             1                  0                 1             0
 *   INSERT / UPDATE / DELETE           0                  1                 0             1
 *   LWT, applied                       0                  0                 1             1
 *   LWT, not applied                   0                  0                 1             0
 *
 * So: selects = coordinator reads; plain writes = coordinator writes; LWTs (applied or not) =
 * local reads - coordinator reads; LWTs applied = local writes - coordinator writes. A logged or
 * unlogged batch counts one write per row it changes; a conditional batch one LWT per partition.
 */
import type cassandra from 'cassandra-driver';

export interface OpCounters {
  coordinatorReads: number;
  coordinatorWrites: number;
  localReads: number;
  localWrites: number;
}

/** Operations of one measured run, per kind, summed over the keyspace's tables. */
export interface CassandraOps {
  selects: number;
  plainWrites: number;
  lwts: number;
  lwtsApplied: number;
  /** Replica reads: the selects plus the read inside every LWT. */
  replicaReads: number;
}

const VIEWS = [
  ['coordinator_read_latency', 'coordinatorReads'],
  ['coordinator_write_latency', 'coordinatorWrites'],
  ['local_read_latency', 'localReads'],
  ['local_write_latency', 'localWrites'],
] as const;

/** The keyspace's counters summed over its tables. */
export async function keyspaceCounters(client: cassandra.Client, keyspace: string): Promise<OpCounters> {
  const out: OpCounters = { coordinatorReads: 0, coordinatorWrites: 0, localReads: 0, localWrites: 0 };
  for (const [view, field] of VIEWS) {
    const result = await client.execute(`SELECT count FROM system_views.${view} WHERE keyspace_name = ?`, [keyspace]);
    for (const row of result.rows) out[field] += Number(row.get('count'));
  }
  return out;
}

export function opsBetween(before: OpCounters, after: OpCounters): CassandraOps {
  const d = (field: keyof OpCounters) => after[field] - before[field];
  const selects = d('coordinatorReads');
  const plainWrites = d('coordinatorWrites');
  return {
    selects,
    plainWrites,
    lwts: Math.max(0, d('localReads') - selects),
    lwtsApplied: Math.max(0, d('localWrites') - plainWrites),
    replicaReads: d('localReads'),
  };
}

/** Replica reads + writes per keyspace, for every keyspace the node counts (disturbance). */
export async function opsByKeyspace(client: cassandra.Client): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const view of ['local_read_latency', 'local_write_latency']) {
    const result = await client.execute(`SELECT keyspace_name, count FROM system_views.${view}`);
    for (const row of result.rows) {
      const keyspace = String(row.get('keyspace_name'));
      out.set(keyspace, (out.get(keyspace) ?? 0) + Number(row.get('count')));
    }
  }
  return out;
}

/**
 * Operations during a run on keyspaces other than `own` and Cassandra's: `bench` on the bench's
 * other keyspaces (idle services' background work: fast-mode syncs, polls), `foreign` on any other
 * (another session's tests).
 */
export function othersBetween(before: Map<string, number>, after: Map<string, number>, own: string): { bench: number; foreign: number } {
  let bench = 0;
  let foreign = 0;
  for (const [keyspace, count] of after) {
    if (keyspace === own || keyspace.startsWith('system')) continue;
    const delta = count - (before.get(keyspace) ?? 0);
    if (keyspace.startsWith('tollgate_bench')) bench += delta;
    else foreign += delta;
  }
  return { bench, foreign };
}
