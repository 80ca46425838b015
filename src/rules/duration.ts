/**
 * Window durations as rule authors write them: "90s", "5m", "1h", "24h", "7d", or combined
 * ("1h30m"). Parsed to milliseconds once, when rules load.
 */
const unitMs: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const whole = /^(?:\d+[smhd])+$/;
const part = /(\d+)([smhd])/g;

/** Milliseconds for a duration string, or undefined if it is not one. */
export function parseDuration(text: string): number | undefined {
  if (!whole.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(part)) total += Number(amount) * unitMs[unit!]!;
  return total;
}

/** The shortest exact spelling of a duration, used in error bodies and header policy names. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = unitMs[unit]!;
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.ceil(ms / 1000)}s`;
}
