/**
 * planRequest: the partitions a request must be counted in, one per matching rule with a key,
 * keyed by the HMAC of the normalised key (never the key itself). Pure. A rule whose key is absent does not count the request, unless it says
 * onMissingKey: "reject"; a key present but malformed always refuses the request.
 *
 * Lists come first, the rule's own and then the global ones: a denied key refuses the request
 * with that rule's error and nothing is counted anywhere; an allowed key skips that rule
 * uncounted. Rules in shadow mode are planned apart: counted and reported, never enforced; so are
 * rules whose action is "mark" (over the limit, the request goes on marked). Bucket rules get the
 * request's cost (Kazoo's token_costs), shared rules the member the request belongs to.
 */
import type { AccessList, Rule } from '../rules/rule.js';
import { listed } from '../rules/access-list.js';
import type { RequestView } from '../keys/request-view.js';
import { extractKey, type KeyOptions } from '../keys/extract-key.js';
import type { KeyHasher } from '../keys/key-hasher.js';
import type { Target } from './admit.js';
import { costRequestOf, tokenCost } from './token-costs.js';

export interface PlanOptions extends KeyOptions {
  hasher: KeyHasher;
  /**
   * Also hand out each partition's normalised key (TOP_K_SHOW_KEYS): the heavy hitters may show
   * it to admins. Off by default, and then no normalised key leaves this function.
   */
  revealKeys?: boolean;
}

/** Where the request goes, for what bucket rules charge (Kazoo's token_costs look up the endpoint and method). */
export interface PlanRoute {
  /** The route pattern the router resolved ("/v1/accounts/:accountId/calls"). */
  pattern: string;
}

export type Plan =
  /** keys: partition key -> normalised key, only with revealKeys. */
  | { kind: 'targets'; targets: Target[]; shadow: Target[]; marked: Target[]; allowed: ListedKey[]; keys?: ReadonlyMap<string, string> }
  | { kind: 'invalid'; field: string; message: string }
  | ({ kind: 'listed' } & ListedKey);

/** A rule a listed key skipped (allow) or was refused by (deny), and the key's partition key. */
export interface ListedKey {
  rule: Rule;
  caller: string;
  /** The normalised key, only with revealKeys. */
  key?: string;
}

/** Global lists (RuleIndex's); none by default. */
export interface GlobalLists {
  allow: AccessList;
  deny: AccessList;
}

export function planRequest(rules: readonly Rule[], request: RequestView, options: PlanOptions, lists?: GlobalLists, route?: PlanRoute): Plan {
  const targets: Target[] = [];
  const shadow: Target[] = [];
  const marked: Target[] = [];
  const allowed: ListedKey[] = [];
  const keys = options.revealKeys ? new Map<string, string>() : undefined;
  for (const rule of rules) {
    const key = extractKey(rule, request, options);
    if (key.kind === 'invalid') return key;
    if (key.kind === 'missing') {
      if (rule.onMissingKey === 'reject') return { kind: 'invalid', field: key.part, message: `${key.part} is required` };
      continue;
    }
    const caller = options.hasher.hash(key.value);
    keys?.set(caller, key.value);
    if (listed(rule.deny, key.value) || (lists && listed(lists.deny, key.value))) return { kind: 'listed', rule, caller, ...(keys ? { key: key.value } : {}) };
    if (listed(rule.allow, key.value) || (lists && listed(lists.allow, key.value))) {
      allowed.push({ rule, caller });
      continue;
    }
    const target: Target = { rule, partition: { caller, api: rule.id } };
    if (options.hasher.previous && rule.kind === 'window') target.previous = { caller: options.hasher.previous(key.value), api: rule.id };
    if (rule.bucket) {
      // Kazoo's token_costs: 0 means this request costs nothing here (the bucket is not consulted).
      const cost = tokenCost(rule.bucket.costs, costRequestOf(request.method, route?.pattern ?? rule.match.path, request.params));
      if (cost === 0) continue;
      target.cost = cost;
    }
    if (rule.shared) {
      const member = extractKey({ ...rule, key: [rule.shared.member] }, request, options);
      if (member.kind === 'invalid') return member;
      // A request without a member (no device named) is charged to the parent's own share.
      target.member = member.kind === 'key' ? options.hasher.hash(member.value) : '';
    }
    (rule.mode === 'shadow' ? shadow : rule.action.kind === 'mark' ? marked : targets).push(target);
  }
  return keys ? { kind: 'targets', targets, shadow, marked, allowed, keys } : { kind: 'targets', targets, shadow, marked, allowed };
}
