/**
 * The throttle as a route guard: finds the rules of the route the router resolved, extracts and
 * normalises their keys, asks the engine, sets the RateLimit headers, and either lets the request
 * through or raises the rule's error. Runs after body validation and authentication, before the
 * handler. Rules in shadow mode are decided too (and counted), but only reported: a
 * `Throttle-Shadow` header naming the rules that would have refused, and onShadow (log, counter).
 */
import type { Context, Next } from 'koa';
import { TollgateError, invalidRequest } from '../errors.js';
import { planRequest, type PlanOptions } from '../engine/plan-request.js';
import type { ClientAddressOptions } from '../keys/client-address.js';
import type { RuleIndex } from '../engine/rule-index.js';
import type { Throttle, Verdict } from '../engine/throttle.js';
import type { Rule } from '../rules/rule.js';
import { denialError, rateLimitHeaders } from './verdict-response.js';
import { randomUUID } from 'node:crypto';
import { requestView } from './request-view.js';
import { slotsFullError, takeSlots } from './concurrent-slots.js';
import type { SlotStore } from '../engine/slot-store.js';
import type { Target } from '../engine/admit.js';
import type { Clock } from '../clock.js';
import { eventsOf, type DecisionEvent, type DecisionListener } from './decision-events.js';

export interface ThrottleMiddlewareDeps {
  throttle: Throttle;
  /** The rule index in force (swapped on reload). */
  rules: () => RuleIndex;
  planOptions: PlanOptions;
  clientAddress: ClientAddressOptions;
  /** Told the ids of shadow rules that would have refused a request. */
  onShadow?: (ruleIds: readonly string[], route: string) => void;
  /** Told every decision (metrics, heavy hitters). */
  onDecisions?: DecisionListener;
  /** The concurrent limiter's store; without it, concurrent rules are not enforced. */
  slots?: SlotStore;
  clock?: Clock;
  /** How long a slot may take to be acquired or released. */
  slotTimeoutMs?: number;
}

const admitted: Verdict = { admitted: true, decisions: [], via: 'store' };

export function throttleRequests(deps: ThrottleMiddlewareDeps) {
  return async function throttle(ctx: Context, next: Next): Promise<void> {
    const route = ctx._matchedRoute;
    const index = deps.rules();
    // A route served at several paths is guarded by the rules of all of them (api-route.ts).
    const patterns: readonly string[] = ctx.state.rulePaths ?? (typeof route === 'string' ? [route] : []);
    const rules = patterns.length === 1 ? index.match(ctx.method, patterns[0]!) : [...new Set(patterns.flatMap((p) => index.match(ctx.method, p)))];
    if (rules.length > 0) {
      const plan = planRequest(rules, requestView(ctx, deps.clientAddress), deps.planOptions, index);
      if (plan.kind === 'invalid') throw invalidRequest(plan.field, plan.message);
      if (plan.kind === 'listed') {
        deps.onDecisions?.([{ rule: plan.rule.id, outcome: 'denied-listed', kind: 'window', via: 'list', caller: plan.caller, ...(plan.key === undefined ? {} : { key: plan.key }) }], patterns[0]!);
        throw listedError(plan.rule);
      }
      // Concurrent rules first: their slots are taken under the request's lease (the sid of the
      // resource it creates, or its own) and given back below if anything refuses it after them.
      const lease = plan.slots.length > 0 && deps.slots ? await holdSlots(ctx, deps, plan.slots) : undefined;
      const [verdict, shadow] = await Promise.all([
        deps.throttle.check(plan.targets),
        plan.shadow.length > 0 ? deps.throttle.check(plan.shadow) : admitted,
      ]);
      if (!shadow.admitted) {
        const ids = [...new Set(shadow.decisions.filter((d) => !d.decision.allowed).map((d) => d.target.rule.id))];
        if (ids.length > 0) {
          ctx.set('Throttle-Shadow', ids.join(', '));
          deps.onShadow?.(ids, route as string);
        }
      }
      if (deps.onDecisions) {
        const listedEvents = plan.allowed.map(({ rule, caller }): DecisionEvent => ({ rule: rule.id, outcome: 'allowed-listed', kind: 'window', via: 'list', caller }));
        const events = [...eventsOf(verdict, false, plan.targets), ...(plan.shadow.length > 0 ? eventsOf(shadow, true, plan.shadow) : []), ...listedEvents];
        deps.onDecisions(plan.keys ? withKeys(events, plan.keys) : events, patterns[0]!);
      }
      ctx.state.verdict = verdict;
      if (!verdict.admitted) {
        await lease?.release();
        throw denialError(verdict);
      }
      ctx.set(rateLimitHeaders(verdict));
      if (lease) {
        // Slots the handler's resource keeps; a failed handler, or a route that creates nothing, gives them back.
        try {
          await next();
        } catch (error) {
          await lease.release();
          throw error;
        }
        if (!ctx.state.keepSlots) await lease.release();
        return;
      }
    }
    await next();
  };
}

/** Takes the slots (429 when a concurrent limit is full, 503 for a store failure under "deny"); a handle to give them back. */
async function holdSlots(ctx: Context, deps: ThrottleMiddlewareDeps, targets: readonly Target[]): Promise<{ release(): Promise<void> } | undefined> {
  const store = deps.slots!;
  const timeoutMs = deps.slotTimeoutMs ?? 2_000;
  const leaseId: string = ctx.state.leaseId ?? randomUUID();
  const outcome = await takeSlots(store, targets, leaseId, (deps.clock ?? (() => performance.timeOrigin + performance.now()))(), timeoutMs);
  if (outcome.kind === 'refused') {
    deps.onDecisions?.([{ rule: outcome.target.rule.id, outcome: 'limited', kind: 'concurrent', via: 'store', caller: outcome.target.partition.caller }], ctx._matchedRoute as string);
    throw slotsFullError(outcome.target);
  }
  if (outcome.kind === 'unavailable') {
    if (outcome.deny) throw new TollgateError('THROTTLE_UNAVAILABLE', 'The rate limiter is unavailable; try again shortly.', { headers: { 'Retry-After': '1' }, cause: outcome.error });
    return undefined;
  }
  deps.onDecisions?.(targets.map((t) => ({ rule: t.rule.id, outcome: 'admitted', kind: 'concurrent', via: 'store', caller: t.partition.caller })), ctx._matchedRoute as string);
  return { release: () => store.release(leaseId, { timeoutMs }).then(() => undefined, () => undefined) };
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
