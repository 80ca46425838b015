/** The CallServiceRepository contract: memory and Cassandra run these same cases. */
import { describe, expect, it } from 'vitest';
import type { CallService, CallServiceRepository, ServiceKind } from '../../src/domains/calls/call-service.js';
import { newSid } from '../../src/domains/shared/sids.js';

const T0 = Date.UTC(2027, 0, 10, 12, 0, 0);

function makeService(kind: ServiceKind, accountId: string, callSid: string, atMs: number): CallService {
  return { sid: newSid(kind === 'recording' ? 'RE' : 'TR', atMs), kind, accountId, callSid, status: 'in-progress', createdAtMs: atMs, updatedAtMs: atMs };
}

export function callServiceRepositoryContract(name: string, repository: () => CallServiceRepository): void {
  describe(`${name} honours the CallServiceRepository contract`, () => {
    it('gives back a created service under its account, call and kind only', async () => {
      const repo = repository();
      const [accountId, callSid] = [newSid('AC', T0), newSid('CA', T0)];
      const recording = makeService('recording', accountId, callSid, T0);
      await repo.create(recording);
      expect(await repo.get(accountId, callSid, 'recording', recording.sid)).toEqual(recording);
      expect(await repo.get(accountId, callSid, 'transcription', recording.sid)).toBeUndefined();
      expect(await repo.get(accountId, newSid('CA', T0), 'recording', recording.sid)).toBeUndefined();
      expect(await repo.get(newSid('AC', T0), callSid, 'recording', recording.sid)).toBeUndefined();
    });

    it('writes a stop', async () => {
      const repo = repository();
      const service = makeService('transcription', newSid('AC', T0), newSid('CA', T0), T0);
      await repo.create(service);
      const stopped: CallService = { ...service, status: 'stopped', updatedAtMs: T0 + 5_000 };
      await repo.update(stopped);
      expect(await repo.get(service.accountId, service.callSid, 'transcription', service.sid)).toEqual(stopped);
    });

    it('lists one kind of a call newest first, page by page', async () => {
      const repo = repository();
      const [accountId, callSid] = [newSid('AC', T0), newSid('CA', T0)];
      const recordings = Array.from({ length: 5 }, (_, i) => makeService('recording', accountId, callSid, T0 + i * 1_000));
      const others = [makeService('transcription', accountId, callSid, T0), makeService('recording', accountId, newSid('CA', T0), T0)];
      await Promise.all([...recordings, ...others].map((s) => repo.create(s)));
      const newestFirst = recordings.map((s) => s.sid).reverse();
      expect((await repo.list(accountId, callSid, 'recording', 50)).services.map((s) => s.sid)).toEqual(newestFirst);
      const seen: string[] = [];
      let position: unknown;
      let pages = 0;
      do {
        const page = await repo.list(accountId, callSid, 'recording', 2, position);
        expect(page.services.length).toBeLessThanOrEqual(2);
        seen.push(...page.services.map((s) => s.sid));
        position = page.next;
        pages++;
      } while (position !== undefined && pages < 10);
      expect(seen).toEqual(newestFirst);
      expect((await repo.list(accountId, callSid, 'transcription', 50)).services).toEqual([others[0]]);
      expect(await repo.list(accountId, newSid('CA', T0), 'recording', 50)).toEqual({ services: [], next: undefined });
    });
  });
}
