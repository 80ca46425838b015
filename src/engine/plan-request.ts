/**
 * planRequest: the partitions a request must be counted in, one per matching rule with a key,
 * keyed by the HMAC of the normalised key (never the key itself). Pure. A rule whose key is absent does not count the request, unless it says
 * onMissingKey: "reject"; a key present but malformed always refuses the request.
 */
import type { Rule } from '../rules/rule.js';
import type { RequestView } from '../keys/request-view.js';
import { extractKey, type KeyOptions } from '../keys/extract-key.js';
import type { KeyHasher } from '../keys/key-hasher.js';
import type { Target } from './admit.js';

export interface PlanOptions extends KeyOptions {
  hasher: KeyHasher;
}

export type Plan = { kind: 'targets'; targets: Target[] } | { kind: 'invalid'; field: string; message: string };

export function planRequest(rules: readonly Rule[], request: RequestView, options: PlanOptions): Plan {
  const targets: Target[] = [];
  for (const rule of rules) {
    const key = extractKey(rule, request, options);
    if (key.kind === 'invalid') return key;
    if (key.kind === 'missing') {
      if (rule.onMissingKey === 'reject') return { kind: 'invalid', field: key.part, message: `${key.part} is required` };
      continue;
    }
    const target: Target = { rule, partition: { caller: options.hasher.hash(key.value), api: rule.id } };
    if (options.hasher.previous) target.previous = { caller: options.hasher.previous(key.value), api: rule.id };
    targets.push(target);
  }
  return { kind: 'targets', targets };
}
