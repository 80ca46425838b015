/**
 * `tollgate usage show <rule> <key>`: what the store holds for one caller under one rule (its
 * partitions, the calls in the window, each window's use) and what its next request would get.
 * Reads only. The operator's answer to "why is this number blocked?".
 */
import { EXIT_CODES_HELP, EXIT_OK } from './cli-errors.js';
import { flag, withService, type CliCommand } from './cli-command.js';
import { KEY_ARGUMENTS, KEY_HELP, adminCall, usageLines } from './usage-report.js';

const NAME = 'usage show';

export const usageShowCommand: CliCommand = {
  words: ['usage', 'show'],
  summary: 'the calls one caller has used under one rule, and what its next request would get',
  help: `Usage: tollgate usage show ${KEY_ARGUMENTS} [--json]

Shows what the store holds for one caller under one rule: its partition(s), the calls in the
rule's longest window, each window's use, and whether the next request would be admitted.
Reads only.

${KEY_HELP}

Options:
  --json      the report as one JSON document (as GET /v1/admin/limits answers)
  -h, --help  this help

${EXIT_CODES_HELP}`,
  options: { json: { type: 'boolean' } },
  positionals: { min: 2, max: Infinity },
  async run(args, context) {
    const [ruleId, ...rawKey] = args.positionals as [string, ...string[]];
    await withService(context, async (service) => {
      const report = await adminCall(NAME, 'reading the calls', () => service.composed.limits.inspect(ruleId, rawKey));
      if (flag(args, 'json')) context.io.out(JSON.stringify(report, null, 2));
      else for (const line of usageLines(service, report, rawKey)) context.io.out(line);
    });
    return EXIT_OK;
  },
};
