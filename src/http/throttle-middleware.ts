/**
 * The throttle as a route guard: finds the rules of the route the router resolved, extracts and
 * normalises their keys, asks the limiters (engine/limiter-chain.ts: slots, carriers, buckets,
 * windows, all or nothing), sets the RateLimit headers, and either lets the request through or
 * answers with the rule's error (rendered as render-error.ts renders a thrown one, without the
 * throw). Runs after body validation and authentication, before the handler.
 *
 * Besides reject, a rule may shape (http/shaping.ts): "delay" holds a refused request until it
 * fits, "mark" lets it through with `Throttle-Status: exceeded`. Rules in shadow mode are decided
 * too (and counted), but only reported: a `Throttle-Shadow` header naming the rules that would have
 * refused, and onShadow (log, counter). Limiters that hold something until the resource the
 * request creates ends (slots) keep it past a handler that succeeds on a route that mints a lease.
 */
import type { IncomingMessage } from 'node:http';
import type { Context, Next } from 'koa';
import { randomUUID } from 'node:crypto';
import { TollgateError, invalidRequest } from '../errors.js';
import { planRequest, type Plan, type PlanOptions } from '../engine/plan-request.js';
import type { RequestView } from '../keys/request-view.js';
import type { ClientAddressOptions } from '../keys/client-address.js';
import type { RuleIndex } from '../engine/rule-index.js';
import type { LimiterChain, ChainOutcome } from '../engine/limiter-chain.js';
import type { Rule } from '../rules/rule.js';
import type { Target } from '../engine/admit.js';
import type { Clock } from '../clock.js';
import { limitHeaders, limitRefusal, unavailableError } from './verdict-response.js';
import { respondWithError, type ErrorAnswer } from './render-error.js';
import { requestView } from './request-view.js';
import { eventsOfDecisions, type DecisionEvent, type DecisionListener } from './decision-events.js';
import { takeShaped, type DelayQueues } from './shaping.js';
import type { LimitOutcomeForHandler } from './api-route.js';

export interface ThrottleMiddlewareDeps {
  /** The limiters, in order (engine/limiter-chain.ts). */
  limiters: LimiterChain;
  /** The rule index in force (swapped on reload). */
  rules: () => RuleIndex;
  planOptions: PlanOptions;
  clientAddress: ClientAddressOptions;
  clock: Clock;
  /** Requests waiting under "delay" rules on this instance, per rule and key. */
  delays: DelayQueues;
  /** Told the ids of shadow rules that would have refused a request. */
  onShadow?: (ruleIds: readonly string[], route: string) => void;
  /** Told the ids of "mark" rules a request went over (it went through, marked). */
  onMarked?: (ruleIds: readonly string[], route: string) => void;
  /** Told every decision (metrics, heavy hitters). */
  onDecisions?: DecisionListener;
}

export function throttleRequests(deps: ThrottleMiddlewareDeps) {
  return async function throttle(ctx: Context, next: Next): Promise<void> {
    const route = ctx._matchedRoute;
    const index = deps.rules();
    // A route served at several paths is guarded by the rules of all of them (api-route.ts).
    const patterns: readonly string[] = ctx.state.rulePaths ?? (typeof route === 'string' ? [route] : []);
    const rules = rulesOf(index, ctx.method, patterns);
    if (rules.length === 0) return next();
    const routeName = patterns[0]!;
    const plan = planRequest(rules, requestView(ctx, deps.clientAddress), deps.planOptions, index, { pattern: typeof route === 'string' ? route : routeName });
    if (plan.kind === 'invalid') throw invalidRequest(plan.field, plan.message);
    if (plan.kind === 'listed') return respondWithError(ctx, listedRefusal(deps, plan, routeName));
    const nowMs = deps.clock();
    // A request the fast lane handed on was asked about just now (refusalFromMemory): not again.
    const known = memoryAsked(ctx.req) ? undefined : knownRefusal(deps.limiters, plan, nowMs);
    let outcome: ChainOutcome;
    let shadow: ChainOutcome | undefined;
    let marked: ChainOutcome | undefined;
    let waitedMs = 0;
    let delayedBy: readonly string[] = [];
    if (known) outcome = known;
    else {
      // Slots are held under the sid of the resource the request creates (minted before us), else its own id.
      const leaseId: string = ctx.state.leaseId ?? randomUUID();
      const shaping = { clock: deps.clock, queues: deps.delays };
      const [shaped, shadowed] =
        plan.shadow.length > 0
          ? await Promise.all([takeShaped(deps.limiters, plan.targets, nowMs, leaseId, shaping), deps.limiters.take(plan.shadow, nowMs, `${leaseId}/shadow`)])
          : [await takeShaped(deps.limiters, plan.targets, nowMs, leaseId, shaping), undefined];
      outcome = shaped.outcome;
      shadow = shadowed;
      waitedMs = shaped.waitedMs;
      delayedBy = shaped.delayedBy;
      // "mark" rules are asked only for a request the others admit: a refused request marks nothing.
      marked = outcome.admitted && plan.marked.length > 0 ? await deps.limiters.take(plan.marked, nowMs, `${leaseId}/marked`) : undefined;
    }
    if (shadow && !shadow.admitted) {
      const ids = refusingRules(shadow);
      if (ids.length > 0) {
        ctx.set('Throttle-Shadow', ids.join(', '));
        deps.onShadow?.(ids, routeName);
      }
    }
    if (marked && !marked.admitted) {
      ctx.set('Throttle-Status', 'exceeded');
      deps.onMarked?.(refusingRules(marked), routeName);
    }
    if (waitedMs > 0) ctx.set('Throttle-Delay', String(Math.round(waitedMs)));
    if (deps.onDecisions) {
      const events = eventsOfDecisions(outcome.admitted, outcome.via, outcome.decisions, plan.targets, 'limited');
      // Delayed: the rules whose refusal the request waited out; the others admitted it as usual.
      if (waitedMs > 0) events.forEach((e, i) => {
        if (e.outcome === 'admitted' && delayedBy.includes(e.rule)) events[i] = { ...e, outcome: 'delayed' };
      });
      if (shadow) events.push(...eventsOfDecisions(shadow.admitted, shadow.via, shadow.decisions, plan.shadow, 'shadow'));
      if (marked) events.push(...eventsOfDecisions(marked.admitted, marked.via, marked.decisions, plan.marked, 'marked'));
      tell(deps.onDecisions, plan, events, routeName);
    }
    ctx.state.decisions = outcome.decisions;
    const limits: LimitOutcomeForHandler = {};
    ctx.state.limits = limits;
    if (!outcome.admitted) {
      const announce = !outcome.unavailable && ctx.state.recordsLimits ? announcementOf(outcome) : undefined;
      // Answered here rather than thrown: a refusal is the throttle's answer, not a fault (render-error.ts).
      if (!announce) return respondWithError(ctx, outcome.unavailable ? unavailableError() : limitRefusal(outcome.decisions));
      // FreeSWITCH's limit_exceeded destination: the handler records the refusal (a call that hears the announcement).
      limits.exceeded = announce;
      ctx.set(limitHeaders(outcome.decisions));
      return next();
    }
    const carrier = outcome.decisions.find((d) => d.carrier !== undefined)?.carrier;
    if (carrier !== undefined) limits.carrier = carrier;
    ctx.set(limitHeaders(outcome.decisions));
    if (!outcome.holds) return next();
    // Held things the handler's resource keeps; a failed handler, or a route that creates nothing, gives them back.
    try {
      await next();
    } catch (error) {
      await outcome.undo();
      throw error;
    }
    if (!ctx.state.keepSlots) await outcome.undo();
  };
}

/**
 * The answer throttle() would give from memory alone, for the fast lane (lane-routes.ts): a key on
 * a deny list, or a refusal that knownRefusal() finds, with the same decision events told.
 * Undefined when throttle() must decide; nothing has been counted then. `route` is the matched
 * pattern, `patterns` the ones whose rules guard it (ApiRoute.rulePaths).
 */
export function refusalFromMemory(deps: ThrottleMiddlewareDeps, method: string, route: string, patterns: readonly string[], view: RequestView, req: IncomingMessage): ErrorAnswer | undefined {
  const index = deps.rules();
  const rules = rulesOf(index, method, patterns);
  if (rules.length === 0) return undefined;
  const routeName = patterns[0]!;
  const plan = planRequest(rules, view, deps.planOptions, index, { pattern: route });
  if (plan.kind === 'invalid') return undefined;
  if (plan.kind === 'listed') return listedRefusal(deps, plan, routeName);
  const known = knownRefusal(deps.limiters, plan, deps.clock());
  if (!known) {
    // The app takes the request next: its throttle goes straight to the chain, whose take() asks the same memory first.
    (req as AskedRequest)[MEMORY_ASKED] = true;
    return undefined;
  }
  if (deps.onDecisions) tell(deps.onDecisions, plan, eventsOfDecisions(known.admitted, known.via, known.decisions, plan.targets, 'limited'), routeName);
  return known.unavailable ? unavailableError() : limitRefusal(known.decisions);
}

const MEMORY_ASKED = Symbol('tollgate.memoryAsked');
type AskedRequest = IncomingMessage & { [MEMORY_ASKED]?: true };
const memoryAsked = (req: IncomingMessage): boolean => (req as AskedRequest)[MEMORY_ASKED] === true;

function listedRefusal(deps: ThrottleMiddlewareDeps, plan: Extract<Plan, { kind: 'listed' }>, routeName: string): TollgateError {
  deps.onDecisions?.([{ rule: plan.rule.id, outcome: 'denied-listed', kind: plan.rule.kind, via: 'list', caller: plan.caller, ...(plan.key === undefined ? {} : { key: plan.key }) }], routeName);
  return listedError(plan.rule);
}

/** Tells the listener a plan's events, with its allow-listed keys and (TOP_K_SHOW_KEYS) its normalised keys. */
function tell(listener: DecisionListener, plan: Extract<Plan, { kind: 'targets' }>, events: DecisionEvent[], routeName: string): void {
  for (const { rule, caller } of plan.allowed) events.push({ rule: rule.id, outcome: 'allowed-listed', kind: rule.kind, via: 'list', caller });
  listener(plan.keys ? withKeys(events, plan.keys) : events, routeName);
}

/**
 * The refusal this instance already knows for a plan, as the chain's take() would answer it from
 * its first limiter's memory (limiter-chain.ts refusedAtOnce): any kind, but none that waits
 * ("delay") and no shadow rule that must be counted anyway. A flood of refusals then skips the
 * chain's asynchronous steps and the lease id, and the fast lane answers it without the app;
 * anything else (undefined) goes through the chain.
 */
function knownRefusal(limiters: LimiterChain, plan: { targets: readonly Target[]; shadow: readonly Target[] }, nowMs: number): ChainOutcome | undefined {
  if (plan.shadow.length > 0 || plan.targets.length === 0) return undefined;
  for (const { rule } of plan.targets) if (rule.action.kind === 'delay') return undefined;
  return limiters.refusedAtOnce(plan.targets, nowMs);
}

function rulesOf(index: RuleIndex, method: string, patterns: readonly string[]): readonly Rule[] {
  return patterns.length === 1 ? index.match(method, patterns[0]!) : rulesOfPaths(index, method, patterns);
}

/** The rules of every path a route is served at, once per rule index (swapped whole on reload), method and path list. */
const pathRules = new WeakMap<RuleIndex, WeakMap<readonly string[], Map<string, readonly Rule[]>>>();
function rulesOfPaths(index: RuleIndex, method: string, patterns: readonly string[]): readonly Rule[] {
  let byPaths = pathRules.get(index);
  if (!byPaths) pathRules.set(index, (byPaths = new WeakMap()));
  let byMethod = byPaths.get(patterns);
  if (!byMethod) byPaths.set(patterns, (byMethod = new Map()));
  let rules = byMethod.get(method);
  if (!rules) byMethod.set(method, (rules = [...new Set(patterns.flatMap((p) => index.match(method, p)))]));
  return rules;
}

function refusingRules(outcome: ChainOutcome): string[] {
  return [...new Set(outcome.decisions.filter((d) => !d.allowed).map((d) => d.rule.id))];
}

/** The announcement when every refusing rule has one (the first such rule's); otherwise the refusal stands. */
function announcementOf(outcome: ChainOutcome): { rule: string; announceUrl: string } | undefined {
  const refusing = outcome.decisions.filter((d) => !d.allowed);
  if (refusing.length === 0 || !refusing.every((d) => d.rule.onLimit)) return undefined;
  const first = refusing[0]!.rule;
  return { rule: first.id, announceUrl: first.onLimit!.announceUrl };
}

/** A key on a rule's (or the global) deny list: the rule's error, nothing counted, no Retry-After (waiting does not help). */
export function listedError(rule: Rule): TollgateError {
  return new TollgateError('REQUEST_LIMIT_REACHED', rule.error.message, {
    status: rule.error.status,
    publicCode: rule.error.code,
    details: { rule: rule.id, listed: 'deny' },
  });
}

/** The events with their normalised keys (TOP_K_SHOW_KEYS on: the plan then carries them). */
function withKeys(events: readonly DecisionEvent[], keys: ReadonlyMap<string, string>): DecisionEvent[] {
  return events.map((event) => {
    const key = keys.get(event.caller);
    return key === undefined ? event : { ...event, key };
  });
}

