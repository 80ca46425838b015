/**
 * The system_settings table of the design notes, and its audit trail. Settings are few (rule
 * documents, the notes' `throttling` document); every change moves one revision counter with a
 * compare-and-set, so concurrent writers are serialised (the loser learns it and answers 412),
 * and every instance notices a change by polling that one counter (jobs/poll-settings.ts).
 * Implementations: store/memory and store/cassandra (test/contract/settings-store.contract.ts).
 */

export interface Setting {
  name: string;
  /** The document, as JSON text. */
  value: string;
  /** The settings revision this value was written at. */
  version: number;
  updatedBy: string;
  updatedAtMs: number;
}

/** One change, as GET /v1/admin/audit shows it. */
export interface AuditEntry {
  atMs: number;
  /** The admin token's label. */
  who: string;
  /** The setting changed (a rule lives in the setting "rule:<id>"). */
  name: string;
  /** What was changed, for people: "rule signup-per-phone", "setting throttling". */
  subject: string;
  /** Hash of the rule set in force before and after (the If-Match versions). */
  oldHash: string;
  newHash: string;
  /** The value before and after (null: absent), as JSON text. */
  before: string | null;
  after: string | null;
}

export interface SettingsWrite {
  name: string;
  /** null deletes the setting. */
  value: string | null;
  /** The revision the writer read; the write applies only if it is still current. */
  expectedRevision: number;
  audit: AuditEntry;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Opaque and JSON-serialisable; undefined after the last page. */
  next: unknown;
}

export interface SettingsStore {
  /** The change counter of all settings (0 before the first change). */
  revision(): Promise<number>;
  /** Every setting (a small table, read only when the revision moved). */
  list(): Promise<Setting[]>;
  get(name: string): Promise<Setting | undefined>;
  /** Applies the change and its audit entry iff the revision is still `expectedRevision`. */
  write(change: SettingsWrite): Promise<{ applied: boolean; revision: number }>;
  /** Audit entries newest first; kept for AUDIT_RETENTION_DAYS. */
  audit(nowMs: number, pageSize: number, position?: unknown): Promise<AuditPage>;
}

/** How long audit entries are kept (their rows expire by TTL). */
export const AUDIT_RETENTION_DAYS = 365;
