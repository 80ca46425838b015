/**
 * A rule's answer to an over-limit request and how exactly it is decided: "action" (the QoS notes'
 * drop, delay, mark), "consistency" (exact or fast) and "onLimit" (FreeSWITCH's limit_exceeded
 * destination: a call created with an announcement instead of a refusal).
 */
import type { Consistency, LimitKind, Rule, Shaping } from './rule.js';
import { parseDuration } from './duration.js';
import type { Fail } from './parse-key.js';
import type { NativeRuleJson } from './rule-schema.js';

/** The longest a delaying rule holds a request: longer and the client's own timeout answers first. */
export const MAX_DELAY_WAIT_MS = 30_000;
export const DEFAULT_DELAY_QUEUE = 100;
/** Limits that hold a slot for the request's resource: there is nothing to delay or mark, only refuse. */
const HOLDS_SLOTS: ReadonlySet<LimitKind> = new Set(['concurrent', 'carriers']);

export function actionOf(json: NativeRuleJson, kind: LimitKind, fail: Fail): Shaping {
  const action = json.action ?? 'reject';
  if (action === 'reject') return { kind: 'reject' };
  const name = typeof action === 'string' ? action : action.kind;
  if (HOLDS_SLOTS.has(kind)) fail('.action', `"${name}" does not apply to a ${kind} limit: it holds slots; only reject applies`);
  if (json.mode === 'shadow') {
    fail('.action', `"${name}" does not apply in shadow mode: a shadow rule lets every request through at once and reports the ones it would refuse`);
  }
  if (typeof action === 'string') return { kind: 'mark' };
  const maxWaitMs = parseDuration(action.maxWait);
  if (maxWaitMs === undefined) return fail('.action.maxWait', `"${action.maxWait}" is not a duration; write e.g. "1s", "2s", "30s"`);
  if (maxWaitMs === 0) return fail('.action.maxWait', 'a wait must be longer than 0s');
  if (maxWaitMs > MAX_DELAY_WAIT_MS) return fail('.action.maxWait', `"${action.maxWait}" is longer than the longest wait, 30s`);
  return { kind: 'delay', maxWaitMs, maxQueue: action.maxQueue ?? DEFAULT_DELAY_QUEUE };
}

export function consistencyOf(json: NativeRuleJson, kind: LimitKind, fail: Fail): Consistency {
  const consistency = json.consistency ?? 'exact';
  if (consistency === 'fast' && kind !== 'window') {
    fail('.consistency', `"fast" applies to window limits (counted on each instance, shared at an interval): a ${kind} limit is always decided exactly`);
  }
  return consistency;
}

export function onLimitOf(json: NativeRuleJson, action: Shaping, fail: Fail): Rule['onLimit'] {
  if (json.onLimit === undefined) return undefined;
  if (json.mode === 'shadow') fail('.onLimit', 'applies to enforce-mode rules: a shadow rule never refuses');
  if (action.kind !== 'reject') fail('.onLimit', `applies to rules whose action is "reject", not "${action.kind}"`);
  const url = json.onLimit.announceUrl;
  if (!isHttpUrl(url)) fail('.onLimit.announceUrl', `"${url}" is not an http or https URL`);
  return Object.freeze({ announceUrl: url });
}

function isHttpUrl(text: string): boolean {
  // URL is a global of the platform (WHATWG), not an I/O module: the core stays pure.
  if (!URL.canParse(text)) return false;
  const { protocol, hostname } = new URL(text);
  return (protocol === 'http:' || protocol === 'https:') && hostname !== '';
}
