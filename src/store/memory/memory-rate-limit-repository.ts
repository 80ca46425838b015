/** Rate-limit documents in memory, for `npm start` without Cassandra: copies in, copies out. */
import type { RateLimitDocument } from '../../domains/rate-limits/rate-limit-document.js';
import type { RateLimitKey, RateLimitRepository } from '../../domains/rate-limits/rate-limit-repository.js';

const idOf = (key: RateLimitKey) => (key.scope === 'system' ? 'system' : key.scope === 'account' ? `account|${key.accountSid}` : `device|${key.accountSid}|${key.deviceSid}`);

export class MemoryRateLimitRepository implements RateLimitRepository {
  private readonly documents = new Map<string, RateLimitDocument>();
  private writes = 0;

  async get(key: RateLimitKey): Promise<RateLimitDocument | undefined> {
    const document = this.documents.get(idOf(key));
    return document && structuredClone(document);
  }

  async put(key: RateLimitKey, document: RateLimitDocument): Promise<void> {
    this.documents.set(idOf(key), structuredClone(document));
    this.writes++;
  }

  async delete(key: RateLimitKey): Promise<void> {
    this.documents.delete(idOf(key));
    this.writes++;
  }

  async revision(): Promise<string> {
    return String(this.writes);
  }
}
