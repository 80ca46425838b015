/**
 * Calls in Cassandra (cql/008_voice_calls.cql, cql/018_call_carrier.cql), partitioned by (account, day of creation). Every
 * write is a lightweight transaction, so that ending a call has one winner across instances; a
 * loser reads the row back at SERIAL consistency, which completes any transaction still in
 * flight, so it sees what the winner wrote.
 *
 * A listing walks the days of its range newest first with Cassandra's paging state and applies
 * the filters while paging. It scans at most `maxScannedRows` rows and `maxDaysPerPage` day
 * partitions per request and may answer a short page with a position to go on from.
 */
import type cassandra from 'cassandra-driver';
import { callMatches, type Call, type CallFilter, type CallPage, type CallRepository, type Transition } from '../../domains/calls/call.js';
import { sidRange, sidTimeMs } from '../../domains/shared/sids.js';
import { dayOf, daysBetween } from '../../domains/shared/time-format.js';
import type { CassandraDomainOptions } from './cassandra-domain-options.js';
import { queryRunner, type RunQuery } from './query-runner.js';

export interface CallListingLimits {
  /** Rows read per listing request, matching or not (default 2,000). */
  maxScannedRows: number;
  /** Day partitions read per listing request (default 62). */
  maxDaysPerPage: number;
}

/** Where a listing stopped: a day, and Cassandra's paging state within it (hex) if the day had more. */
interface DayPosition {
  day: string;
  state?: string;
}

const COLUMNS =
  'account_id, sid, from_number, to_number, status, direction, created_at, updated_at, start_time, end_time, duration, price, price_unit, ' +
  'status_callback, status_callback_events, status_callback_method, callback_sequence, carrier, announce_url, limit_exceeded_rule';
const KEY = 'WHERE account_id = ? AND day = ? AND sid = ?';

export class CassandraCallRepository implements CallRepository {
  private readonly insert: string;
  private readonly selectOne: string;
  private readonly selectDay: string;
  private readonly advance: string;
  private readonly end: string;
  private readonly limits: CallListingLimits;

  private readonly run: RunQuery;

  constructor(private readonly client: cassandra.Client, private readonly options: CassandraDomainOptions, limits: Partial<CallListingLimits> = {}) {
    this.run = queryRunner(client, options, 'Calls');
    const table = `${options.keyspace}.voice_calls`;
    this.insert = `INSERT INTO ${table} (day, ${COLUMNS}) VALUES (?, ${COLUMNS.split(',').map(() => '?').join(', ')}) IF NOT EXISTS`;
    this.selectOne = `SELECT ${COLUMNS} FROM ${table} ${KEY}`;
    this.selectDay = `SELECT ${COLUMNS} FROM ${table} WHERE account_id = ? AND day = ? AND sid >= ? AND sid <= ?`;
    this.advance = `UPDATE ${table} SET status = ?, updated_at = ?, callback_sequence = ? ${KEY} IF status = ? AND callback_sequence = ?`;
    this.end =
      `UPDATE ${table} SET status = ?, updated_at = ?, end_time = ?, duration = ?, price = ?, price_unit = ?, callback_sequence = ? ${KEY} ` +
      "IF status IN ('initiated', 'ringing', 'in-progress') AND callback_sequence = ?";
    this.limits = { maxScannedRows: limits.maxScannedRows ?? 2_000, maxDaysPerPage: limits.maxDaysPerPage ?? 62 };
  }

  async create(call: Call): Promise<void> {
    const callback = call.statusCallback;
    const params = [
      dayOf(sidTimeMs(call.sid)), call.accountId, call.sid, call.from, call.to, call.status, call.direction,
      new Date(call.createdAtMs), new Date(call.updatedAtMs), new Date(call.startTimeMs), date(call.endTimeMs), call.durationSeconds, call.price, call.priceUnit,
      callback?.url ?? null, callback ? [...callback.events] : null, callback?.method ?? null, call.callbackSequence,
      call.carrier, call.announceUrl, call.limitExceededRule,
    ];
    // A retry that finds the row (its own first attempt: sids are random) is as good as applied.
    await this.run(this.insert, params, { serialConsistency: this.options.serialConsistency });
  }

  async get(accountId: string, sid: string): Promise<Call | undefined> {
    const row = (await this.run(this.selectOne, [accountId, dayOf(sidTimeMs(sid)), sid])).first();
    return row ? toCall(row) : undefined;
  }

  async list(accountId: string, filter: CallFilter, pageSize: number, position?: unknown): Promise<CallPage> {
    const { low, high } = sidRange('CA', filter.fromMs, filter.toMs);
    const days = daysBetween(filter.fromMs, filter.toMs).reverse();
    const at = isPosition(position) ? position : undefined;
    let index = at ? days.indexOf(at.day) : 0;
    if (index < 0) return { calls: [], next: undefined };
    let pageState = at?.state;
    const calls: Call[] = [];
    let scanned = 0;
    let daysRead = 0;
    const here = (): DayPosition | undefined => (index >= days.length ? undefined : { day: days[index]!, ...(pageState ? { state: pageState } : {}) });
    while (index < days.length) {
      if (scanned >= this.limits.maxScannedRows || daysRead >= this.limits.maxDaysPerPage) return { calls, next: here() };
      // Never more rows than the page has room for, so the paging state resumes exactly after the last row taken.
      const fetchSize = Math.min(pageSize - calls.length, this.limits.maxScannedRows - scanned);
      const result = await this.run(this.selectDay, [accountId, days[index], low, high], { fetchSize, ...(pageState ? { pageState } : {}) });
      scanned += result.rows.length;
      for (const row of result.rows) {
        const call = toCall(row);
        if (callMatches(call, filter)) calls.push(call);
      }
      pageState = result.pageState ?? undefined;
      if (!pageState) {
        index++;
        daysRead++;
      }
      if (calls.length >= pageSize) return { calls, next: here() };
    }
    return { calls, next: undefined };
  }

  async transition(current: Call, next: Call): Promise<Transition> {
    const key = [current.accountId, dayOf(sidTimeMs(current.sid)), current.sid];
    const [query, params] =
      next.status === 'completed'
        ? [this.end, [next.status, new Date(next.updatedAtMs), date(next.endTimeMs), next.durationSeconds, next.price, next.priceUnit, next.callbackSequence, ...key, current.callbackSequence]]
        : [this.advance, [next.status, new Date(next.updatedAtMs), next.callbackSequence, ...key, current.status, current.callbackSequence]];
    // Not idempotent: a retried conditional write may report "not applied" for its own first attempt.
    const result = await this.run(query, params, { serialConsistency: this.options.serialConsistency, isIdempotent: false });
    if (result.first()?.get('[applied]') === true) return { applied: true, stored: next };
    const row = (await this.run(this.selectOne, key, { consistency: this.options.serialConsistency })).first();
    return { applied: false, stored: row ? toCall(row) : undefined };
  }

}

const date = (ms: number | null) => (ms === null ? null : new Date(ms));

function toCall(row: cassandra.types.Row): Call {
  const ms = (column: string) => (row.get(column) as Date | null)?.getTime() ?? null;
  const url = row.get('status_callback') as string | null;
  return {
    sid: row.get('sid'),
    accountId: row.get('account_id'),
    from: row.get('from_number'),
    to: row.get('to_number'),
    status: row.get('status'),
    direction: row.get('direction'),
    createdAtMs: ms('created_at')!,
    updatedAtMs: ms('updated_at')!,
    startTimeMs: ms('start_time')!,
    endTimeMs: ms('end_time'),
    durationSeconds: row.get('duration'),
    price: row.get('price'),
    priceUnit: row.get('price_unit'),
    statusCallback: url === null ? null : { url, events: row.get('status_callback_events') ?? [], method: row.get('status_callback_method') },
    callbackSequence: row.get('callback_sequence') ?? 0,
    // Set at creation only (no transition writes them); null on rows written before cql/018.
    carrier: row.get('carrier') ?? null,
    announceUrl: row.get('announce_url') ?? null,
    limitExceededRule: row.get('limit_exceeded_rule') ?? null,
  };
}

/** A position this repository issued (the page token's signature vouches for it; this guards the shape). */
function isPosition(value: unknown): value is DayPosition {
  if (typeof value !== 'object' || value === null) return false;
  const { day, state } = value as Partial<Record<keyof DayPosition, unknown>>;
  return typeof day === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(day) && (state === undefined || (typeof state === 'string' && /^[0-9a-f]{1,4096}$/.test(state)));
}
