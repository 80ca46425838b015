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
import { requestView } from './request-view.js';
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
      if (!verdict.admitted) throw denialError(verdict);
      ctx.set(rateLimitHeaders(verdict));
    }
    await next();
  };
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
