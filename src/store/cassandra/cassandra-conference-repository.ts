/**
 * Conferences in Cassandra (cql/009_conferences.cql): one partition per conference (its state in
 * static columns, participants as rows), changed only by lightweight transactions, and two
 * listing tables of copies (by day of creation, by room name) read a page at a time with
 * Cassandra's paging state.
 */
import type cassandra from 'cassandra-driver';
import type { Conference, ConferenceChange, ConferenceFilter, ConferenceRepository, Outcome, Page, Participant } from '../../domains/conferences/conference.js';
import { sidRange } from '../../domains/shared/sids.js';
import { dayOf, daysBetween } from '../../domains/shared/time-format.js';
import { serviceUnavailable } from '../../errors.js';
import type { CassandraDomainOptions } from './cassandra-domain-options.js';
import { queryRunner, type RunQuery } from './query-runner.js';

/**
 * Queries one listing page may cost. A status filter is applied to the rows read, and a range of
 * empty days costs a query per day: past this many, the page ends short, with a token to go on.
 */
const MAX_FETCHES_PER_PAGE = 64;
/** Attempts of a change that lost its compare-and-set to another change of the same conference. */
const CHANGE_ATTEMPTS = 5;

const STATE = 'friendly_name, status, announce_url, created_at, updated_at';
const PARTICIPANT = 'participant_sid, from_number, muted, joined_at, left_at';
const KEY = 'WHERE account_id = ? AND conference_sid = ?';

/** Where a listing stopped: a partition (a day, or '' for the one room partition) and the paging state within it. */
interface Position {
  p: string;
  s?: string;
}

export class CassandraConferenceRepository implements ConferenceRepository {
  private readonly q: Record<'insert' | 'byDay' | 'byName' | 'copyByDay' | 'copyByName' | 'get' | 'change' | 'join' | 'leave' | 'participant' | 'participants', string>;

  private readonly run: RunQuery;

  constructor(private readonly client: cassandra.Client, private readonly options: CassandraDomainOptions) {
    this.run = queryRunner(client, options, 'Conferences');
    const ks = options.keyspace;
    const range = 'AND conference_sid >= ? AND conference_sid <= ?';
    const copy = 'account_id, conference_sid, friendly_name, status, announce_url, created_at, updated_at';
    this.q = {
      // The lowest write time there is: every later change of these cells is a lightweight
      // transaction, written at its Paxos ballot's time from the coordinator's clock, and no skew
      // between this instance's clock and the coordinator's must let the creation shadow a change.
      insert: `INSERT INTO ${ks}.conferences (${copy}) VALUES (?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP 1`,
      byDay: `SELECT conference_sid, ${STATE} FROM ${ks}.conferences_by_day WHERE account_id = ? AND day = ? ${range}`,
      byName: `SELECT conference_sid, ${STATE} FROM ${ks}.conferences_by_name WHERE account_id = ? AND friendly_name = ? ${range}`,
      copyByDay: `INSERT INTO ${ks}.conferences_by_day (day, ${copy}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`,
      copyByName: `INSERT INTO ${ks}.conferences_by_name (${copy}) VALUES (?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`,
      get: `SELECT ${STATE} FROM ${ks}.conferences ${KEY} LIMIT 1`,
      change: `UPDATE ${ks}.conferences SET status = ?, announce_url = ?, updated_at = ? ${KEY} IF status = 'in-progress' AND updated_at = ?`,
      join: `UPDATE ${ks}.conferences SET from_number = ?, muted = ?, joined_at = ? ${KEY} AND participant_sid = ? IF status = 'in-progress'`,
      leave: `UPDATE ${ks}.conferences SET left_at = ? ${KEY} AND participant_sid = ? IF joined_at != null AND left_at = null AND status = 'in-progress'`,
      participant: `SELECT ${PARTICIPANT} FROM ${ks}.conferences ${KEY} AND participant_sid = ?`,
      participants: `SELECT ${PARTICIPANT} FROM ${ks}.conferences ${KEY}`,
    };
  }

  async create(c: Conference): Promise<void> {
    const state = [c.accountId, c.sid, c.friendlyName, c.status, c.announceUrl, new Date(c.createdAtMs), new Date(c.updatedAtMs)];
    await this.batch([{ query: this.q.insert, params: state }, ...this.copies(c)]);
  }

  async get(accountId: string, sid: string): Promise<Conference | undefined> {
    const row = (await this.run(this.q.get, [accountId, sid])).first();
    return row && row.get('status') !== null ? toConference(accountId, sid, row) : undefined;
  }

  async list(accountId: string, filter: ConferenceFilter, pageSize: number, position?: unknown): Promise<Page<Conference>> {
    const { low, high } = sidRange('CF', filter.fromMs, filter.toMs);
    const partitions = filter.friendlyName !== undefined
      ? [{ key: '', query: this.q.byName, params: [accountId, filter.friendlyName, low, high] }]
      : daysBetween(filter.fromMs, filter.toMs).reverse().map((day) => ({ key: day, query: this.q.byDay, params: [accountId, day, low, high] }));
    const at = isPosition(position) ? position : undefined;
    let index = at ? partitions.findIndex((p) => p.key === at.p) : 0;
    if (index < 0) return { items: [], next: undefined };
    let pageState = at?.s;
    const items: Conference[] = [];
    for (let fetches = 0; index < partitions.length; fetches++) {
      if (items.length >= pageSize || fetches >= MAX_FETCHES_PER_PAGE) {
        return { items, next: { p: partitions[index]!.key, ...(pageState ? { s: pageState } : {}) } satisfies Position };
      }
      const { query, params } = partitions[index]!;
      const result = await this.run(query, params, { fetchSize: pageSize - items.length, ...(pageState ? { pageState } : {}) });
      const read = result.rows.map((row) => toConference(accountId, row.get('conference_sid'), row));
      items.push(...read.filter((c) => filter.status === undefined || c.status === filter.status));
      pageState = result.pageState ?? undefined;
      if (!pageState) index++;
    }
    return { items, next: undefined };
  }

  async change(accountId: string, sid: string, change: ConferenceChange, atMs: number): Promise<Outcome<Conference>> {
    for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
      // After a lost compare-and-set this read sees the winner: its Paxos round was completed first.
      const current = await this.get(accountId, sid);
      if (!current) return { kind: 'missing' };
      if (current.status === 'completed') {
        // Another end won (or ended it long ago): its copies are written again, in case it stopped before them.
        if (change.kind === 'end') await this.batch(this.copies(current));
        return { kind: 'ended', conference: current };
      }
      const next: Conference = {
        ...current,
        updatedAtMs: Math.max(atMs, current.updatedAtMs + 1),
        ...(change.kind === 'end' ? { status: 'completed' } : { announceUrl: change.announceUrl }),
      };
      const params = [next.status, next.announceUrl, new Date(next.updatedAtMs), accountId, sid, new Date(current.updatedAtMs)];
      if (await this.applied(this.q.change, params)) {
        await this.batch(this.copies(next));
        return { kind: 'applied', value: next };
      }
    }
    throw serviceUnavailable('Conferences', new Error(`conference ${sid} changed ${CHANGE_ATTEMPTS} times while this change was attempted`));
  }

  async join(p: Participant): Promise<Outcome<Participant>> {
    const params = [p.from, p.muted, new Date(p.joinedAtMs), p.accountId, p.conferenceSid, p.sid];
    if (await this.applied(this.q.join, params)) return { kind: 'applied', value: { ...p } };
    const conference = await this.get(p.accountId, p.conferenceSid);
    return conference ? { kind: 'ended', conference } : { kind: 'missing' };
  }

  async leave(accountId: string, conferenceSid: string, participantSid: string, atMs: number): Promise<Participant | undefined> {
    const participant = await this.getParticipant(accountId, conferenceSid, participantSid);
    if (!participant || participant.leftAtMs !== null) return participant;
    if (await this.applied(this.q.leave, [new Date(atMs), accountId, conferenceSid, participantSid])) return { ...participant, leftAtMs: atMs };
    // It left meanwhile (that leave time stands), or the conference ended (it left with it).
    return this.getParticipant(accountId, conferenceSid, participantSid);
  }

  async getParticipant(accountId: string, conferenceSid: string, participantSid: string): Promise<Participant | undefined> {
    const row = (await this.run(this.q.participant, [accountId, conferenceSid, participantSid])).first();
    return row ? toParticipant(accountId, conferenceSid, row) : undefined;
  }

  async listParticipants(accountId: string, conferenceSid: string, pageSize: number, position?: unknown): Promise<Page<Participant>> {
    const pageState = typeof position === 'string' && /^[0-9a-f]{1,2048}$/.test(position) ? position : undefined;
    const result = await this.run(this.q.participants, [accountId, conferenceSid], { fetchSize: pageSize, ...(pageState ? { pageState } : {}) });
    // A conference nobody joined reads as one row of its static columns only: not a participant.
    const items = result.rows.filter((row) => row.get('participant_sid') !== null).map((row) => toParticipant(accountId, conferenceSid, row));
    return { items, next: result.pageState ?? undefined };
  }

  /** The listing copies of a conference's state, versioned by its updatedAtMs (in µs, the unit of write times). */
  private copies(c: Conference): Array<{ query: string; params: unknown[] }> {
    const state = [c.accountId, c.sid, c.friendlyName, c.status, c.announceUrl, new Date(c.createdAtMs), new Date(c.updatedAtMs), c.updatedAtMs * 1000];
    return [
      { query: this.q.copyByDay, params: [dayOf(c.createdAtMs), ...state] },
      { query: this.q.copyByName, params: state },
    ];
  }

  private async applied(query: string, params: unknown[]): Promise<boolean> {
    // Not idempotent: a compare-and-set retried after a timeout could find its own write and report it lost.
    const result = await this.run(query, params, { isIdempotent: false, serialConsistency: this.options.serialConsistency });
    return result.first()?.get('[applied]') === true;
  }

  private async batch(queries: Array<{ query: string; params: unknown[] }>): Promise<void> {
    try {
      await this.client.batch(queries, { prepare: true, logged: true, consistency: this.options.consistency, readTimeout: this.options.timeoutMs, isIdempotent: true });
    } catch (error) {
      throw serviceUnavailable('Conferences', error);
    }
  }

}

function toConference(accountId: string, sid: string, row: cassandra.types.Row): Conference {
  return {
    sid,
    accountId,
    friendlyName: row.get('friendly_name'),
    status: row.get('status'),
    announceUrl: row.get('announce_url'),
    createdAtMs: (row.get('created_at') as Date).getTime(),
    updatedAtMs: (row.get('updated_at') as Date).getTime(),
  };
}

function toParticipant(accountId: string, conferenceSid: string, row: cassandra.types.Row): Participant {
  const leftAt = row.get('left_at') as Date | null;
  return {
    sid: row.get('participant_sid'),
    conferenceSid,
    accountId,
    from: row.get('from_number'),
    muted: row.get('muted') === true,
    joinedAtMs: (row.get('joined_at') as Date).getTime(),
    leftAtMs: leftAt === null ? null : leftAt.getTime(),
  };
}

function isPosition(value: unknown): value is Position {
  if (typeof value !== 'object' || value === null) return false;
  const { p, s } = value as Record<string, unknown>;
  return typeof p === 'string' && /^(\d{4}-\d{2}-\d{2})?$/.test(p) && (s === undefined || (typeof s === 'string' && /^[0-9a-f]{1,2048}$/.test(s)));
}
