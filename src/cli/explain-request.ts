/**
 * explainRequest(service, request): what the service would do with one request now, without
 * counting it. The route the router resolves, the edge's checks, the rules of that route, each
 * rule's key as read and as normalised, its partition, the calls in each window and the
 * decision: the same planRequest, store read, decide() and denial as the throttle, but only the
 * read, as limit-admin's inspect does. What it cannot judge (credentials, a route's precheck)
 * is said in `notes`.
 */
import type { Rule } from '../rules/rule.js';
import { listed } from '../rules/access-list.js';
import type { RequestView } from '../keys/request-view.js';
import { extractKey } from '../keys/extract-key.js';
import { clientAddress } from '../keys/client-address.js';
import { planRequest } from '../engine/plan-request.js';
import { decide, readPlan } from '../engine/decide.js';
import type { Target, TargetDecision } from '../engine/admit.js';
import type { Verdict } from '../engine/throttle.js';
import { invalidRequest, type TollgateError } from '../errors.js';
import { AUTH_FAILURE_PATH } from '../http/authenticate.js';
import { denialError, rateLimitHeaders } from '../http/verdict-response.js';
import { listedError } from '../http/throttle-middleware.js';
import type { RuleIndex } from '../engine/rule-index.js';
import type { CliService } from './cli-service.js';
import { fromStore } from './cli-errors.js';
import { checkEdge } from './edge-check.js';
import { createRouteMatcher } from './route-matcher.js';

export interface ExplainRequest {
  method: string;
  /** The path as sent, a query string included if any. */
  path: string;
  bodyText: string | undefined;
  /** Header values by lower-case name, every occurrence kept. */
  headers: Readonly<Record<string, readonly string[]>>;
  /** Query parameters besides those in `path`; repeated ones are lists. */
  query: Readonly<Record<string, string | readonly string[]>>;
  /** The peer address; none means a rule keyed on ip finds no key. */
  ip: string | undefined;
}

/** What the service would answer: a refusal before the throttle, or the throttle's verdict. */
export type Outcome =
  | { kind: 'refused'; status: number; code: string; message: string; field?: string; headers?: Readonly<Record<string, string>> }
  /** Shadow rules that would have refused are named in the Throttle-Shadow header. */
  | { kind: 'admitted'; headers: Readonly<Record<string, string>> }
  | { kind: 'denied'; status: number; code: string; message: string; rule: string; retryAfter: number; headers: Readonly<Record<string, string>> };

export interface KeyPartExplanation {
  part: string;
  /** As read from the request (trimmed); absent when the request does not carry it. */
  raw?: string;
  normalised?: string;
  /** Why the part cannot be used (the request is refused). */
  problem?: string;
}

export interface RuleExplanation {
  id: string;
  source: string;
  parts: KeyPartExplanation[];
  /**
   * counted: the throttle decides on it; shadow: decided and reported, never enforced;
   * skipped: no key and onMissingKey "skip"; allowed: the key is on an allow list (uncounted);
   * listed: the key is on a deny list (refused, uncounted); refused: the key is malformed, or
   * missing with onMissingKey "reject"; not-reached: the request is refused before this rule.
   */
  status: 'counted' | 'shadow' | 'skipped' | 'allowed' | 'listed' | 'refused' | 'not-reached' | 'concurrent' | 'other-kind';
  /** The caller column (HMAC of the normalised key), and the one under KEY_SECRET_PREVIOUS while rotating. */
  partitions?: string[];
  windows?: Array<{ count: number; window: string; used: number; full: boolean; resetSeconds: number }>;
  decision?: 'admitted' | 'denied';
  retryAfter?: number;
}

export interface Explanation {
  method: string;
  path: string;
  route?: { pattern: string; operationId: string; auth: string; throttled: boolean; params: Record<string, string> };
  rules: RuleExplanation[];
  outcome: Outcome;
  notes: string[];
  store: 'memory' | 'cassandra';
  at: string;
}

export async function explainRequest(service: CliService, request: ExplainRequest): Promise<Explanation> {
  const method = request.method.toUpperCase();
  const [path, search = ''] = splitOnce(request.path, '?');
  const query = mergeQuery(new URLSearchParams(search), request.query);
  const now = service.clock();
  const base = { method, path, store: service.stores.kind, at: new Date(now).toISOString() } as const;
  const match = createRouteMatcher(service.routes)(method, path);
  if (match.kind === 'not-found') return { ...base, rules: [], notes: [], outcome: refusal('NOT_FOUND', 404, 'no route of this service matches') };
  if (match.kind === 'method-not-allowed') {
    return { ...base, rules: [], notes: [], outcome: { ...refusal('METHOD_NOT_ALLOWED', 405, `${method} is not served on this path`), headers: { Allow: match.allowed.join(', ') } } };
  }
  const { route, params } = match;
  const explained = { ...base, route: { pattern: route.path, operationId: route.operationId, auth: route.auth, throttled: route.throttled, params } };
  const notes = notesFor(route.auth, route.precheck !== undefined, route.throttled);
  const rules = route.throttled ? [...new Set((route.rulePaths ?? [route.path]).flatMap((p) => service.rules.match(method, p)))] : [];
  const edge = await checkEdge(route, { bodyText: request.bodyText, query });
  if (!edge.ok) {
    const rulesNotReached = rules.map((rule): RuleExplanation => ({ id: rule.id, source: rule.source, parts: [], status: 'not-reached' }));
    return { ...explained, rules: rulesNotReached, notes, outcome: fromError(edge.error) };
  }

  const { trustProxyHops, ipv6PrefixLength, defaultPhoneRegion } = service.settings;
  const ip = request.ip === undefined ? '' : clientAddress(request.ip, request.headers['x-forwarded-for'], { trustProxyHops, ipv6PrefixLength });
  const view: RequestView = { method, params, query, headers: request.headers, body: edge.body, ip };
  const keyOptions = { defaultPhoneRegion };
  const plan = planRequest(rules, view, { ...keyOptions, hasher: service.hasher }, service.rules);
  // Explain reads what exact sliding windows hold; other kinds are named, not decided (see explainRule).
  const planned = plan.kind === 'targets' ? [...plan.targets, ...plan.shadow, ...plan.marked].filter((t) => explainable(t.rule)) : [];
  const decisions = await fromStore('reading the calls of the matching rules', () => Promise.all(planned.map((target) => decideNow(service, target, now))));
  const byRule = new Map(decisions.map((d) => [d.target.rule.id, d]));
  const explainedRules = rules.map((rule) => explainRule(rule, view, keyOptions, service.rules, byRule.get(rule.id)));
  const done = (outcome: Outcome): Explanation => ({ ...explained, rules: explainedRules, notes, outcome });
  if (plan.kind === 'invalid') return done(fromError(invalidRequest(plan.field, plan.message)));
  if (plan.kind === 'listed') return done(fromError(listedError(plan.rule)));

  const enforced = decisions.filter((d) => d.target.rule.mode !== 'shadow');
  const shadowDenied = decisions.filter((d) => d.target.rule.mode === 'shadow' && !d.decision.allowed).map((d) => d.target.rule.id);
  const shadowHeader: Record<string, string> = shadowDenied.length > 0 ? { 'Throttle-Shadow': shadowDenied.join(', ') } : {};
  const verdict: Verdict = { admitted: enforced.every((d) => d.decision.allowed), decisions: enforced, via: 'store' };
  if (verdict.admitted) return done({ kind: 'admitted', headers: { ...shadowHeader, ...rateLimitHeaders(verdict) } });
  const denial = denialError(verdict);
  const details = denial.details as { rule: string; retryAfter: number };
  return done({ kind: 'denied', status: denial.status, code: denial.publicCode, message: denial.message, rule: details.rule, retryAfter: details.retryAfter, headers: { ...shadowHeader, ...denial.headers } });
}

/** The throttle's decision for one target on what the store holds now (both secrets' partitions while rotating), without appending. */
async function decideNow(service: CliService, target: Target, now: number): Promise<TargetDecision> {
  const { windowMs, count } = readPlan(target.rule.limits);
  const partitions = target.previous ? [target.partition, target.previous] : [target.partition];
  const states = await Promise.all(partitions.map((p) => service.stores.callLog.read(p, now - windowMs, count, { timeoutMs: service.storeTimeoutMs })));
  const callsMs = states.flatMap((state) => state.callsMs).sort((a, b) => b - a);
  return { target, decision: decide(target.rule.limits, callsMs, now), callsMs };
}

function explainRule(rule: Rule, view: RequestView, keyOptions: { defaultPhoneRegion: string }, lists: RuleIndex, decided: TargetDecision | undefined): RuleExplanation {
  const parts = rule.key.map((part): KeyPartExplanation => {
    // Each part alone, as read (no normaliser) and as the rule normalises it, for the operator to see.
    const raw = extractKey({ ...rule, key: [{ ...part, normalize: undefined }] }, view, keyOptions);
    const normalised = extractKey({ ...rule, key: [part] }, view, keyOptions);
    return {
      part: part.label,
      ...(raw.kind === 'key' ? { raw: raw.value } : {}),
      ...(normalised.kind === 'key' ? { normalised: normalised.value } : {}),
      ...(normalised.kind === 'invalid' ? { problem: normalised.message } : {}),
    };
  });
  // What the rule does with the request is decided on the whole key, exactly as planRequest does.
  const key = extractKey(rule, view, keyOptions);
  const explained: RuleExplanation = { id: rule.id, source: rule.source, parts, status: 'skipped' };
  if (key.kind === 'invalid' || (key.kind === 'missing' && rule.onMissingKey === 'reject')) return { ...explained, status: 'refused' };
  if (key.kind === 'missing') return explained;
  // The rule's own list first, then the global one; deny before allow (plan-request.ts).
  if (listed(rule.deny, key.value) || listed(lists.deny, key.value)) return { ...explained, status: 'listed' };
  if (listed(rule.allow, key.value) || listed(lists.allow, key.value)) return { ...explained, status: 'allowed' };
  // A concurrent rule holds a slot rather than counting calls: explain does not take one.
  if (rule.kind === 'concurrent' || rule.kind === 'carriers') return { ...explained, status: 'concurrent' };
  if (!explainable(rule)) return { ...explained, status: 'other-kind' };
  if (!decided) return { ...explained, status: 'not-reached' };
  const { target, decision } = decided;
  return {
    ...explained,
    status: rule.mode === 'shadow' ? 'shadow' : 'counted',
    partitions: target.previous ? [target.partition.caller, target.previous.caller] : [target.partition.caller],
    windows: decision.windows.map((w) => ({ count: w.limit.count, window: w.limit.window, used: w.used, full: !w.allowed, resetSeconds: Math.max(0, Math.ceil(w.resetMs / 1000)) })),
    decision: decision.allowed ? 'admitted' : 'denied',
    retryAfter: Math.ceil(decision.retryAfterMs / 1000),
  };
}

function notesFor(auth: string, precheck: boolean, throttled: boolean): string[] {
  const notes: string[] = [];
  if (!throttled) notes.push('this route is not throttled: no rule applies to it');
  if (auth === 'account') notes.push(`the route needs account credentials, checked before the throttle and not here; a failed authentication is counted by the rules of ${AUTH_FAILURE_PATH} instead`);
  if (auth === 'admin') notes.push('the route needs the ADMIN_TOKEN bearer, checked before the throttle and not here');
  if (precheck) notes.push('the route checks stored resources before the throttle (404/409), not here');
  return notes;
}

function refusal(code: string, status: number, message: string): Outcome {
  return { kind: 'refused', status, code, message };
}

function fromError(error: TollgateError): Outcome {
  return { kind: 'refused', status: error.status, code: error.publicCode, message: error.message, ...(error.field === undefined ? {} : { field: error.field }) };
}

function splitOnce(text: string, separator: string): [string, string?] {
  const at = text.indexOf(separator);
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + 1)];
}

/** Koa's query: one value as a string, a repeated parameter as a list. */
function mergeQuery(search: URLSearchParams, extra: ExplainRequest['query']): Record<string, string | readonly string[]> {
  const lists = new Map<string, string[]>();
  const add = (name: string, value: string) => lists.set(name, [...(lists.get(name) ?? []), value]);
  for (const [name, value] of search) add(name, value);
  for (const [name, value] of Object.entries(extra)) for (const one of typeof value === 'string' ? [value] : value) add(name, one);
  return Object.fromEntries([...lists].map(([name, values]) => [name, values.length === 1 ? values[0]! : values]));
}

/** Rules explain decides from the call log: exact sliding windows. */
function explainable(rule: Rule): boolean {
  return rule.kind === 'window' && rule.consistency === 'exact';
}
