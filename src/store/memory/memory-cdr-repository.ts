/** CDRs in memory, for `npm start` without Cassandra. Sids sort by creation time. */
import type { Cdr, CdrPage, CdrRepository, TimeRange } from '../../domains/cdrs/cdr.js';
import { sidTimeMs } from '../../domains/shared/sids.js';

export class MemoryCdrRepository implements CdrRepository {
  private readonly byAccount = new Map<string, Map<string, Cdr>>();

  async record(cdr: Cdr): Promise<void> {
    let cdrs = this.byAccount.get(cdr.accountId);
    if (!cdrs) this.byAccount.set(cdr.accountId, (cdrs = new Map()));
    cdrs.set(cdr.callSid, { ...cdr });
  }

  async get(accountId: string, callSid: string): Promise<Cdr | undefined> {
    const cdr = this.byAccount.get(accountId)?.get(callSid);
    return cdr && { ...cdr };
  }

  async list(accountId: string, range: TimeRange, pageSize: number, position?: unknown): Promise<CdrPage> {
    const after = typeof position === 'string' ? position : undefined;
    const newestFirst = this.inRange(accountId, range).reverse().filter((cdr) => after === undefined || cdr.callSid < after);
    const cdrs = newestFirst.slice(0, pageSize).map((cdr) => ({ ...cdr }));
    return { cdrs, next: newestFirst.length > pageSize ? cdrs[cdrs.length - 1]!.callSid : undefined };
  }

  async *stream(accountId: string, range: TimeRange): AsyncIterable<Cdr> {
    for (const cdr of this.inRange(accountId, range)) yield { ...cdr };
  }

  /** Oldest first; the stored objects, which callers copy before handing out. */
  private inRange(accountId: string, range: TimeRange): Cdr[] {
    const cdrs = [...(this.byAccount.get(accountId)?.values() ?? [])].filter((cdr) => {
      const ms = sidTimeMs(cdr.callSid);
      return ms >= range.fromMs && ms <= range.toMs;
    });
    return cdrs.sort((a, b) => (a.callSid < b.callSid ? -1 : 1));
  }
}
