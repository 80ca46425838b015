/**
 * CDRs in Cassandra, partitioned by (account, day of the call's creation). A listing walks the
 * days of its range newest first with Cassandra's paging state, so it never loads more than a
 * page; an export walks them oldest first, one page (EXPORT_FETCH_SIZE rows) at a time, reading
 * the next page while the consumer takes the current one and no further, so an export holds at
 * most two pages whatever its size, and a consumer that stops pulling stops the reads.
 */
import type cassandra from 'cassandra-driver';
import type { Cdr, CdrPage, CdrRepository, TimeRange } from '../../domains/cdrs/cdr.js';
import { isSid, sidRange, sidTimeMs } from '../../domains/shared/sids.js';
import { dayOf, daysBetween } from '../../domains/shared/time-format.js';
import type { CassandraDomainOptions } from './cassandra-domain-options.js';
import { queryRunner, type RunQuery } from './query-runner.js';

/** Rows per page of an export: large enough to keep round trips few, small enough to bound memory. */
export const EXPORT_FETCH_SIZE = 1_000;

const COLUMNS = 'account_id, call_sid, from_number, to_number, direction, start_time, end_time, duration, price, price_unit, status';

/** Where a listing stopped: a day, and Cassandra's paging state within it (hex) if the day had more. */
interface Position {
  day: string;
  state?: string;
}

export class CassandraCdrRepository implements CdrRepository {
  private readonly insert: string;
  private readonly selectOne: string;
  private readonly selectNewestFirst: string;
  private readonly selectOldestFirst: string;

  private readonly run: RunQuery;

  constructor(private readonly client: cassandra.Client, private readonly options: CassandraDomainOptions) {
    this.run = queryRunner(client, options, 'Call detail records');
    const table = `${options.keyspace}.cdrs`;
    this.insert =
      `INSERT INTO ${table} (account_id, day, call_sid, from_number, to_number, direction, start_time, end_time, duration, price, price_unit, status) ` +
      'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
    this.selectOne = `SELECT ${COLUMNS} FROM ${table} WHERE account_id = ? AND day = ? AND call_sid = ?`;
    const range = 'WHERE account_id = ? AND day = ? AND call_sid >= ? AND call_sid <= ?';
    this.selectNewestFirst = `SELECT ${COLUMNS} FROM ${table} ${range}`;
    this.selectOldestFirst = `SELECT ${COLUMNS} FROM ${table} ${range} ORDER BY call_sid ASC`;
  }

  async record(cdr: Cdr): Promise<void> {
    const params = [
      cdr.accountId, dayOf(sidTimeMs(cdr.callSid)), cdr.callSid, cdr.from, cdr.to, cdr.direction,
      new Date(cdr.startTimeMs), new Date(cdr.endTimeMs), cdr.durationSeconds, cdr.price, cdr.priceUnit, cdr.status,
    ];
    await this.run(this.insert, params, { isIdempotent: true });
  }

  async get(accountId: string, callSid: string): Promise<Cdr | undefined> {
    // A malformed sid names no day partition (and would make dayOf throw): simply none.
    if (!isSid('CA', callSid)) return undefined;
    const row = (await this.run(this.selectOne, [accountId, dayOf(sidTimeMs(callSid)), callSid])).first();
    return row ? toCdr(row) : undefined;
  }

  async list(accountId: string, range: TimeRange, pageSize: number, position?: unknown): Promise<CdrPage> {
    const { low, high } = sidRange('CA', range.fromMs, range.toMs);
    const days = daysBetween(range.fromMs, range.toMs).reverse();
    const at = isPosition(position) ? position : undefined;
    let index = at ? days.indexOf(at.day) : 0;
    if (index < 0) return { cdrs: [], next: undefined };
    let pageState = at?.state;
    const cdrs: Cdr[] = [];
    while (index < days.length) {
      const day = days[index]!;
      const result = await this.run(this.selectNewestFirst, [accountId, day, low, high], { fetchSize: pageSize - cdrs.length, ...(pageState ? { pageState } : {}) });
      cdrs.push(...result.rows.map(toCdr));
      pageState = result.pageState ?? undefined;
      if (cdrs.length >= pageSize) {
        if (pageState) return { cdrs, next: { day, state: pageState } satisfies Position };
        const following = days[index + 1];
        return { cdrs, next: following === undefined ? undefined : ({ day: following } satisfies Position) };
      }
      if (!pageState) index++;
    }
    return { cdrs, next: undefined };
  }

  async *stream(accountId: string, range: TimeRange): AsyncIterable<Cdr> {
    const pages = this.pagesOldestFirst(accountId, range);
    let next = pages.next();
    try {
      for (;;) {
        const page = await next;
        if (page.done) return;
        // The following page is read while the consumer takes this one (two pages in memory at
        // most): the node's latency overlaps the encoding instead of adding to it.
        next = pages.next();
        // Observed now, so that a failure while this page is still being taken is not an
        // unhandled rejection; the await above still throws it.
        next.catch(() => {});
        for (const cdr of page.value) yield cdr;
      }
    } finally {
      // The consumer left early (or a read failed): no page after the one in flight.
      pages.return(undefined).catch(() => {});
    }
  }

  /** The range's rows a page (EXPORT_FETCH_SIZE) at a time, oldest first, day by day. */
  private async *pagesOldestFirst(accountId: string, range: TimeRange): AsyncGenerator<Cdr[], void> {
    const { low, high } = sidRange('CA', range.fromMs, range.toMs);
    for (const day of daysBetween(range.fromMs, range.toMs)) {
      let pageState: string | undefined;
      do {
        const result = await this.run(this.selectOldestFirst, [accountId, day, low, high], { fetchSize: EXPORT_FETCH_SIZE, ...(pageState ? { pageState } : {}) });
        if (result.rows.length > 0) yield result.rows.map(toCdr);
        pageState = result.pageState ?? undefined;
      } while (pageState);
    }
  }

}

function toCdr(row: cassandra.types.Row): Cdr {
  return {
    callSid: row.get('call_sid'),
    accountId: row.get('account_id'),
    from: row.get('from_number'),
    to: row.get('to_number'),
    direction: row.get('direction'),
    startTimeMs: (row.get('start_time') as Date).getTime(),
    endTimeMs: (row.get('end_time') as Date).getTime(),
    durationSeconds: row.get('duration'),
    price: row.get('price'),
    priceUnit: row.get('price_unit'),
    status: row.get('status'),
  };
}

function isPosition(value: unknown): value is Position {
  if (typeof value !== 'object' || value === null) return false;
  const { day, state } = value as Record<string, unknown>;
  return typeof day === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(day) && (state === undefined || (typeof state === 'string' && /^[0-9a-f]{1,2048}$/.test(state)));
}
