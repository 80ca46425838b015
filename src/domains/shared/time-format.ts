/**
 * How the voice APIs write time, as the VoIP API design note does: RFC 2822 dates
 * ("Mon, 05 Sep 2020 20:36:28 +0000"), and the UTC day that partitions rows by date.
 */

/** RFC 2822 in UTC; null stays null (a call not ended yet has no end_time). */
export function rfc2822(ms: number | null): string | null {
  if (ms === null) return null;
  return new Date(ms).toUTCString().replace(/GMT$/, '+0000');
}

/** The UTC day of a time, "2026-11-26": the date partition of calls, conferences and CDRs. */
export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Every UTC day from the one of `fromMs` to the one of `toMs`, oldest first. */
export function daysBetween(fromMs: number, toMs: number): string[] {
  const days: string[] = [];
  const start = Date.UTC(new Date(fromMs).getUTCFullYear(), new Date(fromMs).getUTCMonth(), new Date(fromMs).getUTCDate());
  for (let ms = start; ms <= toMs; ms += 86_400_000) days.push(dayOf(ms));
  return days;
}

/**
 * A date-range query parameter: ISO 8601, a date ("2026-11-26", the whole day) or a date-time
 * with a zone. `end` dates are inclusive of their whole day. undefined when it does not parse.
 */
export function parseIsoBound(value: string, bound: 'start' | 'end'): number | undefined {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  if (!dateOnly && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return undefined;
  const ms = Date.parse(dateOnly ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls impossible days over (2026-02-30 is 2 March); refuse them instead.
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  const calendar = new Date(Date.UTC(year!, month! - 1, day!));
  if (calendar.getUTCFullYear() !== year || calendar.getUTCMonth() !== month! - 1 || calendar.getUTCDate() !== day) return undefined;
  return dateOnly && bound === 'end' ? ms + 86_400_000 - 1 : ms;
}
