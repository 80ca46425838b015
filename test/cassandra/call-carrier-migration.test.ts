/**
 * cql/018_call_carrier.cql on a keyspace made before it: migrations run at every start, so the
 * ALTER must add the columns once and then change nothing, and calls written before it must read
 * back with carrier, announce_url and limit_exceeded_rule null.
 */
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Call } from '../../src/domains/calls/call.js';
import { newSid } from '../../src/domains/shared/sids.js';
import { dayOf } from '../../src/domains/shared/time-format.js';
import { CassandraCallRepository } from '../../src/store/cassandra/cassandra-call-repository.js';
import { CQL_DIR, migrate } from '../../src/store/cassandra/migrate.js';
import { connectTestClient, testDomainOptions, TEST_KEYSPACE } from '../support/cassandra.js';

const KEYSPACE = `${TEST_KEYSPACE}_calls018_${process.pid}`;
const REPLICATION = "{'class': 'SimpleStrategy', 'replication_factor': 1}";
const NEW_COLUMNS = ['announce_url', 'carrier', 'limit_exceeded_rule'];
const T0 = Date.UTC(2027, 0, 10, 12, 0, 0);

let client: cassandra.Client;
let before018: string;
beforeAll(async () => {
  client = await connectTestClient();
  before018 = await mkdtemp(join(tmpdir(), 'tollgate-cql-'));
  for (const file of await readdir(CQL_DIR)) if (file.endsWith('.cql') && file < '018') await cp(join(CQL_DIR, file), join(before018, file));
  await client.execute(`DROP KEYSPACE IF EXISTS ${KEYSPACE}`);
});
afterAll(async () => {
  await client.execute(`DROP KEYSPACE IF EXISTS ${KEYSPACE}`);
  await client.shutdown();
  await rm(before018, { recursive: true, force: true });
});

async function newColumns(): Promise<string[]> {
  const result = await client.execute("SELECT column_name, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = 'voice_calls'", [KEYSPACE]);
  return result.rows.filter((row) => NEW_COLUMNS.includes(row.get('column_name'))).map((row) => `${row.get('column_name')} ${row.get('type')}`).sort();
}

describe('cql/018_call_carrier.cql', () => {
  it('adds the columns to an existing voice_calls, runs again as a no-op, and old rows read null', async () => {
    await migrate(client, { keyspace: KEYSPACE, replication: REPLICATION, cqlDir: before018 });
    expect(await newColumns()).toEqual([]);
    const accountId = newSid('AC', T0);
    const oldSid = newSid('CA', T0);
    // A row as the repository wrote it before 018.
    await client.execute(
      `INSERT INTO ${KEYSPACE}.voice_calls (day, account_id, sid, from_number, to_number, status, direction, created_at, updated_at, start_time, price_unit, callback_sequence) ` +
        "VALUES (?, ?, ?, '+14155550199', '+14155550100', 'initiated', 'outbound-api', ?, ?, ?, 'USD', 0)",
      [dayOf(T0), accountId, oldSid, new Date(T0), new Date(T0), new Date(T0)],
      { prepare: true },
    );

    const applied = await migrate(client, { keyspace: KEYSPACE, replication: REPLICATION });
    expect(applied).toContain('018_call_carrier.cql');
    await migrate(client, { keyspace: KEYSPACE, replication: REPLICATION });
    expect(await newColumns()).toEqual(['announce_url text', 'carrier text', 'limit_exceeded_rule text']);

    const repo = new CassandraCallRepository(client, { ...testDomainOptions(), keyspace: KEYSPACE });
    expect(await repo.get(accountId, oldSid)).toMatchObject({ sid: oldSid, status: 'initiated', carrier: null, announceUrl: null, limitExceededRule: null });
    const carried: Call = {
      sid: newSid('CA', T0 + 1), accountId, from: '+14155550199', to: '+14155550100', status: 'initiated', direction: 'outbound-api',
      createdAtMs: T0 + 1, updatedAtMs: T0 + 1, startTimeMs: T0 + 1, endTimeMs: null, durationSeconds: null, price: null, priceUnit: 'USD',
      statusCallback: null, callbackSequence: 0, carrier: 'carrier-b', announceUrl: null, limitExceededRule: null,
    };
    await repo.create(carried);
    expect(await repo.get(accountId, carried.sid)).toEqual(carried);
  });
});
