/** Settings in memory, for `npm start` without Cassandra (one instance, lost on restart). */
import { AUDIT_RETENTION_DAYS, type AuditEntry, type AuditPage, type Setting, type SettingsStore, type SettingsWrite } from '../../domains/settings/settings-store.js';

export class MemorySettingsStore implements SettingsStore {
  private current = 0;
  private readonly settings = new Map<string, Setting>();
  /** Oldest first. */
  private readonly entries: AuditEntry[] = [];

  async revision(): Promise<number> {
    return this.current;
  }

  async list(): Promise<Setting[]> {
    return [...this.settings.values()].map((s) => ({ ...s }));
  }

  async get(name: string): Promise<Setting | undefined> {
    const setting = this.settings.get(name);
    return setting && { ...setting };
  }

  async write(change: SettingsWrite): Promise<{ applied: boolean; revision: number }> {
    if (change.expectedRevision !== this.current) return { applied: false, revision: this.current };
    this.current += 1;
    if (change.value === null) this.settings.delete(change.name);
    else this.settings.set(change.name, { name: change.name, value: change.value, version: this.current, updatedBy: change.audit.who, updatedAtMs: change.audit.atMs });
    this.entries.push({ ...change.audit });
    return { applied: true, revision: this.current };
  }

  async audit(nowMs: number, pageSize: number, position?: unknown): Promise<AuditPage> {
    const since = nowMs - AUDIT_RETENTION_DAYS * 86_400_000;
    const newestFirst = this.entries.filter((e) => e.atMs > since).reverse();
    const start = typeof position === 'number' && Number.isInteger(position) && position > 0 ? position : 0;
    const entries = newestFirst.slice(start, start + pageSize).map((e) => ({ ...e }));
    return { entries, next: start + pageSize < newestFirst.length ? start + pageSize : undefined };
  }
}
