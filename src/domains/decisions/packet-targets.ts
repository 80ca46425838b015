/**
 * What a SIP message is counted in, from the limits its documents give each tier (device, account,
 * system). Exact tiers are counted in one state per account, holding its devices too, and one for
 * the system (engine/limiters/packet-spec.ts): one compare-and-set per message, not one per tier
 * and class. Fast tiers are one window rule per class, decided in memory (limiters/fast-limiter.ts).
 */
import type { Target } from '../../engine/admit.js';
import type { PacketCheck } from './decision-service.js';
import { CLASS_INDEX, CLASSES_OF, countsOf, type EffectiveTier, type PacketRules, type Tier } from './packet-rules.js';

export function packetTargets(check: PacketCheck, tiers: Partial<Record<Tier, EffectiveTier>>, rules: PacketRules, callerOf: (key: string) => string): Target[] {
  const cost = check.count ?? 1;
  const device = check.device === undefined ? undefined : tiers.device;
  const deviceCaller = check.device === undefined ? undefined : callerOf(`${check.account}/${check.device}`);
  const accountCaller = callerOf(check.account);
  const targets: Target[] = [];

  const fast: Array<[Tier, EffectiveTier | undefined, string | undefined]> = [['device', device, deviceCaller], ['account', tiers.account, accountCaller], ['system', tiers.system, 'system']];
  for (const [tier, effective, caller] of fast) {
    if (effective?.consistency !== 'fast' || caller === undefined) continue;
    for (const cls of CLASSES_OF[check.kind]) {
      const rule = rules.ruleFor(tier, cls, effective.limits, 'fast');
      if (rule) targets.push({ rule, partition: { caller, api: rule.id }, cost });
    }
  }

  const classes = CLASSES_OF[check.kind].map((cls) => CLASS_INDEX[cls]);
  const account = tiers.account?.consistency === 'exact' ? { limits: countsOf(tiers.account.limits), rules: rules.named('account') } : undefined;
  const member = device?.consistency === 'exact' ? { limits: countsOf(device.limits), rules: rules.named('device') } : undefined;
  if (account || member) {
    const target: Target = { rule: rules.exact('account'), partition: { caller: accountCaller, api: 'rate_limits' }, cost, packets: { classes, ...(account ? { parent: account } : {}), ...(member ? { member } : {}) } };
    if (deviceCaller !== undefined) target.member = deviceCaller;
    targets.push(target);
  }
  if (tiers.system?.consistency === 'exact') {
    targets.push({ rule: rules.exact('system'), partition: { caller: 'system', api: 'rate_limits' }, cost, packets: { classes, parent: { limits: countsOf(tiers.system.limits), rules: rules.named('system') } } });
  }
  return targets;
}
