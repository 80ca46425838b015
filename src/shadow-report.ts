/**
 * What happens when a shadow rule would have refused a request: counted per rule (GET
 * /v1/admin/rules shows the counts), told to listeners (tests, metrics), and logged, sampled: a
 * shadow rule on a flood would otherwise log every request.
 */
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import { logSampler } from './log-sampler.js';

export interface ShadowReport {
  /** Refusals per rule since start. */
  counts(): Record<string, number>;
  /** The throttle middleware's onShadow. */
  observe(ruleIds: readonly string[], route: string): void;
  addListener(listener: (ruleIds: readonly string[]) => void): void;
}

export function createShadowReport(logger: Logger, clock: Clock): ShadowReport {
  const counts: Record<string, number> = {};
  const listeners: Array<(ruleIds: readonly string[]) => void> = [];
  const sample = logSampler(clock);
  return {
    counts: () => ({ ...counts }),
    observe(ruleIds, route) {
      for (const id of ruleIds) counts[id] = (counts[id] ?? 0) + 1;
      for (const listener of listeners) listener(ruleIds);
      const suppressed = sample();
      if (suppressed !== undefined) logger.info({ rules: ruleIds, route, suppressed }, 'shadow rule would have refused a request (not enforced)');
    },
    addListener: (listener) => void listeners.push(listener),
  };
}
