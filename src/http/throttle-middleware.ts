/**
 * The throttle as a route guard: finds the rules of the route the router resolved, extracts and
 * normalises their keys, asks the engine, sets the RateLimit headers, and either lets the request
 * through or raises the rule's error. Runs after body validation and before the handler.
 */
import type { Context, Next } from 'koa';
import { invalidRequest } from '../errors.js';
import { planRequest, type PlanOptions } from '../engine/plan-request.js';
import type { ClientAddressOptions } from '../keys/client-address.js';
import type { RuleIndex } from '../engine/rule-index.js';
import type { Throttle } from '../engine/throttle.js';
import { denialError, rateLimitHeaders } from './verdict-response.js';
import { requestView } from './request-view.js';

export interface ThrottleMiddlewareDeps {
  throttle: Throttle;
  /** The rule index in force (swapped on reload). */
  rules: () => RuleIndex;
  planOptions: PlanOptions;
  clientAddress: ClientAddressOptions;
}

export function throttleRequests(deps: ThrottleMiddlewareDeps) {
  return async function throttle(ctx: Context, next: Next): Promise<void> {
    const route = ctx._matchedRoute;
    const rules = typeof route === 'string' ? deps.rules().match(ctx.method, route) : [];
    if (rules.length > 0) {
      const plan = planRequest(rules, requestView(ctx, deps.clientAddress), deps.planOptions);
      if (plan.kind === 'invalid') throw invalidRequest(plan.field, plan.message);
      const verdict = await deps.throttle.check(plan.targets);
      ctx.state.verdict = verdict;
      if (!verdict.admitted) throw denialError(verdict);
      ctx.set(rateLimitHeaders(verdict));
    }
    await next();
  };
}
