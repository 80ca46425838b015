/**
 * mergeSummaries: the top callers over several space-saving summaries (time buckets of a window,
 * from every instance), keeping guaranteed bounds. Pure.
 *
 * A caller's merged count adds its count from each summary that lists it and, from each that
 * does not, that summary's floor (the most it can have had there); its error adds its errors and
 * those same floors. So, as in one summary, the true count lies in [count - error, count]: the
 * estimate never under-counts, and count - error is a guaranteed lower bound. A summary that was
 * never full has floor 0, so an exact summary merges exactly.
 */
import { byEstimate, type Counter } from './space-saving.js';

/** One summary as published: its events, its floor and its counters. */
export interface Summary {
  /** Events counted into it. */
  total: number;
  /** The most a caller it does not list may have had (0 while it was not full). */
  floor: number;
  counters: readonly Counter[];
}

export interface Merged {
  /** Events over every summary. */
  total: number;
  /** What a caller listed in none of them may have had at most. */
  floor: number;
  /** The k callers with the largest merged counts, largest first. */
  top: Counter[];
}

export function mergeSummaries(summaries: readonly Summary[], k: number): Merged {
  let total = 0;
  let floor = 0;
  for (const summary of summaries) {
    total += summary.total;
    floor += summary.floor;
  }
  // Every caller starts from the sum of all floors; each summary that lists it swaps its floor
  // for its own count (and error): one pass over the counters, whatever the number of summaries.
  const merged = new Map<string, Counter>();
  for (const summary of summaries) {
    for (const counter of summary.counters) {
      let entry = merged.get(counter.caller);
      if (!entry) {
        entry = { caller: counter.caller, count: floor, error: floor };
        merged.set(counter.caller, entry);
      }
      entry.count += counter.count - summary.floor;
      entry.error += counter.error - summary.floor;
      if (counter.key !== undefined) entry.key = counter.key;
    }
  }
  return { total, floor, top: topOf(merged.values(), k) };
}

/** The k largest by estimate, without sorting everything: k is small (<= 100), callers many. */
function topOf(counters: Iterable<Counter>, k: number): Counter[] {
  const top: Counter[] = [];
  if (k < 1) return top;
  for (const counter of counters) {
    if (top.length < k) {
      top.push(counter);
      if (top.length === k) top.sort(byEstimate);
      continue;
    }
    if (byEstimate(counter, top[k - 1]!) >= 0) continue;
    // Insert in order, dropping the last: k is small, so a linear insertion is cheap.
    let at = k - 1;
    while (at > 0 && byEstimate(counter, top[at - 1]!) < 0) at--;
    top.splice(at, 0, counter);
    top.pop();
  }
  return top.length < k ? top.sort(byEstimate) : top;
}
