/**
 * What `usage show` and `usage reset` share: the limit-admin call with its refusals turned into
 * usage errors (an unknown rule, a key the rule cannot read are the operator's arguments), and
 * the report for people.
 */
import { TollgateError } from '../errors.js';
import { keyFromValues } from '../keys/extract-key.js';
import type { LimitReport } from '../engine/limit-admin.js';
import type { CliService } from './cli-service.js';
import { UsageError, fromStore } from './cli-errors.js';

/** The usage line both commands print in their help and their usage errors. */
export const KEY_ARGUMENTS = `<rule id> <raw key> [<more key parts>...]`;

export const KEY_HELP = `The key is given raw, in any spelling ("+1 (415) 555-1212"), and normalised and hashed as
the rule does for requests (KEY_SECRET, and KEY_SECRET_PREVIOUS while rotating: both
partitions are handled). A compound key takes one argument per part, in the rule's order.
Runs against the configured store: Cassandra when CASSANDRA_CONTACT_POINTS is set (the same
settings as the service); the embedded memory store is per process, so there this only sees
its own, empty store: ask the service instead (GET /v1/admin/limits).`;

/** Runs a limit-admin call; its refusals (no such rule, an unusable key) are usage errors. */
export async function adminCall<T>(command: string, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await fromStore(what, call);
  } catch (error) {
    if (error instanceof TollgateError && error.code === 'INVALID_REQUEST') throw new UsageError(error.message, command);
    throw error;
  }
}

export function usageLines(service: CliService, report: LimitReport, rawKey: readonly string[]): string[] {
  const rule = service.rules.byId(report.rule);
  const key = rule ? keyFromValues(rule, rawKey, { defaultPhoneRegion: service.settings.defaultPhoneRegion }) : undefined;
  const lines = [`rule ${report.rule}, key ${rawKey.map((part) => JSON.stringify(part)).join(' ')}${key?.kind === 'key' ? ` -> ${JSON.stringify(key.value)}` : ''}`];
  for (const partition of report.partitions) {
    lines.push(`partition ${partition.caller} (${partition.secret} secret): version ${partition.version}, ${partition.calls.length} call(s) in the longest window`);
    for (const call of partition.calls) lines.push(`  ${call}`);
  }
  for (const w of report.windows) {
    lines.push(`window ${w.window}: ${w.used} of ${w.count} used (${w.full ? `full, room again in ${w.resetSeconds} s` : `${w.count - w.used} left`})`);
  }
  lines.push(`next request: ${report.next}${report.next === 'denied' ? `, retry after ${report.retryAfter} s` : ''}`);
  return lines;
}
