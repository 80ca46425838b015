/**
 * `tollgate usage reset <rule> <key>`: forgets one caller's calls under one rule, on every
 * instance: a reset marker written with compare-and-set and published on the reset feed, which
 * every instance polls each second (limit-admin.ts). Then shows the caller's usage afterwards.
 */
import { EXIT_CODES_HELP, EXIT_OK } from './cli-errors.js';
import { flag, withService, type CliCommand } from './cli-command.js';
import { KEY_ARGUMENTS, KEY_HELP, adminCall, usageLines } from './usage-report.js';

const NAME = 'usage reset';

export const usageResetCommand: CliCommand = {
  words: ['usage', 'reset'],
  summary: 'forget one caller\'s calls under one rule, on every instance',
  help: `Usage: tollgate usage reset ${KEY_ARGUMENTS} [--json]

Forgets the calls of one caller under one rule: its calls made until now stop counting, and
within about a second every instance drops what it cached for it (the reset feed). Prints the
reset, then the caller's usage afterwards (as \`tollgate usage show\`). The same as
POST /v1/admin/limits/reset.

${KEY_HELP}

Options:
  --json      {"reset": ..., "usage": ...} as one JSON document
  -h, --help  this help

${EXIT_CODES_HELP}`,
  options: { json: { type: 'boolean' } },
  positionals: { min: 2, max: Infinity },
  async run(args, context) {
    const [ruleId, ...rawKey] = args.positionals as [string, ...string[]];
    await withService(context, async (service) => {
      const reset = await adminCall(NAME, 'writing the reset', () => service.composed.limits.reset(ruleId, rawKey));
      const usage = await adminCall(NAME, 'reading the calls', () => service.composed.limits.inspect(ruleId, rawKey));
      if (flag(args, 'json')) {
        context.io.out(JSON.stringify({ reset, usage }, null, 2));
        return;
      }
      context.io.out(`reset ${reset.rule} at ${reset.resetAt}: partition(s) ${reset.partitions.join(', ')}`);
      for (const line of usageLines(service, usage, rawKey)) context.io.out(line);
    });
    return EXIT_OK;
  },
};
