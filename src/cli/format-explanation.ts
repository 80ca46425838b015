/**
 * formatExplanation(explanation): `tollgate rules explain` for people, one fact a line: the
 * route, each rule with its key as read and normalised, its partition and windows, then what
 * the service would answer. `--json` prints the Explanation itself instead.
 */
import type { Explanation, KeyPartExplanation, Outcome, RuleExplanation } from './explain-request.js';

const STATUS_TEXT: Record<RuleExplanation['status'], string> = {
  counted: 'counted: decides on the request',
  shadow: 'shadow mode: counted and reported, never enforced',
  skipped: 'skipped: the request carries no key for it',
  allowed: 'skipped: the key is on an allow list (not counted)',
  listed: 'refuses: the key is on a deny list (not counted)',
  refused: 'refuses the request: its key is malformed or required',
  'not-reached': 'not reached: the request is refused before this rule decides',
  concurrent: 'concurrent limit: the request would take a slot (explain takes none and reads none)',
  'other-kind': 'a token bucket, shared bucket or fast-mode window: explain reads exact sliding windows only (ask POST /v1/throttle/check instead)',
};

export function formatExplanation(explanation: Explanation): string[] {
  const lines: string[] = [];
  const { route } = explanation;
  if (route) {
    const params = Object.entries(route.params).map(([name, value]) => `${name}=${JSON.stringify(value)}`);
    lines.push(`route: ${explanation.method} ${route.pattern} (${route.operationId}; auth ${route.auth}${params.length > 0 ? `; ${params.join(', ')}` : ''})`);
  } else {
    lines.push(`route: none for ${explanation.method} ${explanation.path}`);
  }
  if (route && explanation.rules.length === 0) lines.push('rules: none match this route and method');
  for (const rule of explanation.rules) lines.push(...ruleLines(rule));
  lines.push(...outcomeLines(explanation.outcome));
  for (const note of explanation.notes) lines.push(`note: ${note}`);
  lines.push(`(read from the ${explanation.store} store at ${explanation.at}; explain counts nothing)`);
  return lines;
}

function ruleLines(rule: RuleExplanation): string[] {
  const lines = [`rule ${rule.id} (${rule.source}): ${STATUS_TEXT[rule.status]}`];
  for (const part of rule.parts) lines.push(`  key ${part.part}: ${partText(part)}`);
  if (rule.partitions) lines.push(`  partition: ${rule.partitions.join(', ')}${rule.partitions.length > 1 ? ' (current secret, previous secret)' : ''}`);
  for (const w of rule.windows ?? []) {
    const state = w.full ? `full, room again in ${w.resetSeconds} s` : `${w.count - w.used} left`;
    lines.push(`  window ${w.window}: ${w.used} of ${w.count} used (${state})`);
  }
  if (rule.decision) lines.push(`  decision: ${rule.decision}${rule.decision === 'denied' ? `, retry after ${rule.retryAfter} s` : ''}`);
  return lines;
}

function partText(part: KeyPartExplanation): string {
  if (part.raw === undefined) return part.problem === undefined ? 'missing' : `refused: ${part.problem}`;
  if (part.problem !== undefined) return `${JSON.stringify(part.raw)} -> refused: ${part.problem}`;
  return `${JSON.stringify(part.raw)} -> ${JSON.stringify(part.normalised)}`;
}

function outcomeLines(outcome: Outcome): string[] {
  const headers = Object.entries(outcome.headers ?? {}).map(([name, value]) => `  ${name}: ${value}`);
  switch (outcome.kind) {
    case 'admitted':
      return ['result: admitted by the throttle (the handler answers)', ...headers];
    case 'denied':
      return [`result: denied ${outcome.status} ${outcome.code} by rule ${outcome.rule}, retry after ${outcome.retryAfter} s: ${outcome.message}`, ...headers];
    case 'refused':
      return [`result: refused ${outcome.status} ${outcome.code}${outcome.field === undefined ? '' : ` (${outcome.field})`}: ${outcome.message}`, ...headers];
  }
}
