/** The SettingsStore contract: memory and Cassandra run these same cases. */
import { describe, expect, it } from 'vitest';
import type { AuditEntry, SettingsStore } from '../../src/domains/settings/settings-store.js';

const T0 = 1_800_000_000_000;
const audit = (name: string, atMs: number, after: string | null): AuditEntry => ({ atMs, who: 'ops', name, subject: `setting ${name}`, oldHash: 'a', newHash: 'b', before: null, after });

/** Each case gets a store no other case has written to (Cassandra: a fresh keyspace per file run). */
export function settingsStoreContract(name: string, fresh: () => Promise<SettingsStore>): void {
  describe(`${name} honours the SettingsStore contract`, () => {
    it('starts at revision 0 with no settings, and writes at the expected revision only', async () => {
      const store = await fresh();
      expect(await store.revision()).toBe(0);
      expect(await store.list()).toEqual([]);
      expect(await store.write({ name: 'throttling', value: '{"api":{}}', expectedRevision: 0, audit: audit('throttling', T0, '{"api":{}}') })).toEqual({ applied: true, revision: 1 });
      expect(await store.write({ name: 'throttling', value: '{}', expectedRevision: 0, audit: audit('throttling', T0 + 1, '{}') })).toEqual({ applied: false, revision: 1 });
      expect(await store.get('throttling')).toEqual({ name: 'throttling', value: '{"api":{}}', version: 1, updatedBy: 'ops', updatedAtMs: T0 });
    });

    it('lets one of two concurrent writers on the same revision win', async () => {
      const store = await fresh();
      const results = await Promise.all(['a', 'b', 'c'].map((v, i) => store.write({ name: `rule:${v}`, value: v, expectedRevision: 0, audit: audit(`rule:${v}`, T0 + i, v) })));
      expect(results.filter((r) => r.applied)).toHaveLength(1);
      expect(await store.revision()).toBe(1);
      expect(await store.list()).toHaveLength(1);
    });

    it('deletes with null, and lists every setting', async () => {
      const store = await fresh();
      await store.write({ name: 'rule:x', value: 'x', expectedRevision: 0, audit: audit('rule:x', T0, 'x') });
      await store.write({ name: 'rule:y', value: 'y', expectedRevision: 1, audit: audit('rule:y', T0 + 1, 'y') });
      await store.write({ name: 'rule:x', value: null, expectedRevision: 2, audit: audit('rule:x', T0 + 2, null) });
      expect((await store.list()).map((s) => [s.name, s.version])).toEqual([['rule:y', 2]]);
      expect(await store.get('rule:x')).toBeUndefined();
      expect(await store.revision()).toBe(3);
    });

    it('pages the audit trail newest first', async () => {
      const store = await fresh();
      for (let i = 0; i < 5; i++) await store.write({ name: `rule:${i}`, value: String(i), expectedRevision: i, audit: audit(`rule:${i}`, T0 + i * 1000, String(i)) });
      const first = await store.audit(T0 + 10_000, 3);
      expect(first.entries.map((e) => e.name)).toEqual(['rule:4', 'rule:3', 'rule:2']);
      expect(first.entries[0]).toEqual(audit('rule:4', T0 + 4000, '4'));
      const second = await store.audit(T0 + 10_000, 3, JSON.parse(JSON.stringify(first.next)));
      expect(second.entries.map((e) => e.name)).toEqual(['rule:1', 'rule:0']);
    });
  });
}
