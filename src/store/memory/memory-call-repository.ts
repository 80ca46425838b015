/** Calls in memory, for `npm start` without Cassandra. Sids sort by creation time. */
import { callMatches, LIVE_STATUSES, type Call, type CallFilter, type CallPage, type CallRepository, type Transition } from '../../domains/calls/call.js';

const copy = (call: Call): Call => ({ ...call, statusCallback: call.statusCallback && { ...call.statusCallback, events: [...call.statusCallback.events] } });

export class MemoryCallRepository implements CallRepository {
  private readonly byAccount = new Map<string, Map<string, Call>>();

  async create(call: Call): Promise<void> {
    let calls = this.byAccount.get(call.accountId);
    if (!calls) this.byAccount.set(call.accountId, (calls = new Map()));
    calls.set(call.sid, copy(call));
  }

  async get(accountId: string, sid: string): Promise<Call | undefined> {
    const call = this.byAccount.get(accountId)?.get(sid);
    return call && copy(call);
  }

  async list(accountId: string, filter: CallFilter, pageSize: number, position?: unknown): Promise<CallPage> {
    const before = typeof position === 'string' ? position : undefined;
    const matching = [...(this.byAccount.get(accountId)?.values() ?? [])]
      .filter((call) => (before === undefined || call.sid < before) && callMatches(call, filter))
      .sort((a, b) => (a.sid < b.sid ? 1 : -1));
    const calls = matching.slice(0, pageSize).map(copy);
    return { calls, next: matching.length > pageSize ? calls[calls.length - 1]!.sid : undefined };
  }

  async transition(current: Call, next: Call): Promise<Transition> {
    const calls = this.byAccount.get(current.accountId);
    const stored = calls?.get(current.sid);
    if (!calls || !stored) return { applied: false, stored: undefined };
    // As the Cassandra conditions: an end needs a live call, a move the status it was read in;
    // both the callback sequence it was read with.
    const applies =
      stored.callbackSequence === current.callbackSequence &&
      (next.status === 'completed' ? LIVE_STATUSES.includes(stored.status) : stored.status === current.status);
    if (applies) calls.set(current.sid, copy(next));
    return { applied: applies, stored: copy(calls.get(current.sid)!) };
  }
}
