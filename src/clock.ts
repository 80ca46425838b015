/**
 * The only source of "now" for decisions. Everything that decides takes a Clock so tests can
 * pin time; only main.ts (and helpers it hands the clock to) uses the real one.
 */
export type Clock = () => number;

/** Wall-clock milliseconds since the epoch. Instances must be NTP-synced: windows use this time. */
export const systemClock: Clock = () => Date.now();

/** A clock tests can move by hand. */
export interface ManualClock extends Clock {
  set(ms: number): void;
  advance(ms: number): void;
}

export function createManualClock(startMs: number): ManualClock {
  let now = startMs;
  const clock = (() => now) as ManualClock;
  clock.set = (ms) => {
    now = ms;
  };
  clock.advance = (ms) => {
    now += ms;
  };
  return clock;
}
