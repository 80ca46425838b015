/**
 * `tollgate rules validate [dir]`: are these rule files ones the service would start on? Every
 * bad file is named with its JSON path and reason, one line each (exit 1); a good directory gets
 * a summary: its files, how many rules, and the rules of each route (exit 0). Rules for a route
 * this build does not serve are accepted, as the service does, with a warning.
 */
import type { RuleSet } from '../rules/rule.js';
import { rulePathServed } from '../rules/route-path.js';
import { memoryStores } from '../store/memory/memory-stores.js';
import { systemClock } from '../clock.js';
import { AUTH_FAILURE_PATH } from '../http/authenticate.js';
import { appRoutes } from '../http/create-app.js';
import type { Settings } from '../settings.js';
import { createCliService } from './cli-service.js';
import { EXIT_CODES_HELP, EXIT_FAILED, EXIT_OK } from './cli-errors.js';
import { flag, type CliCommand } from './cli-command.js';
import { validateRuleDir } from './validate-rule-dir.js';

export const rulesValidateCommand: CliCommand = {
  words: ['rules', 'validate'],
  summary: 'check a directory of rule files as the service loads them',
  help: `Usage: tollgate rules validate [dir] [--json]

Loads every *.json file of dir (default: RULES_DIR, else ./rules) as the service does.
Each bad file is reported on its own line, as "file: $.path: reason", then the good files
together for rule ids defined twice; exit 1. A good directory prints a summary: the files,
the number of rules, and the rules of each route; exit 0. A rule for a route this build
does not serve is accepted with a warning (on stderr), as at service start.

Options:
  --json      the report as one JSON document
  -h, --help  this help

${EXIT_CODES_HELP}`,
  options: { json: { type: 'boolean' } },
  positionals: { min: 0, max: 1 },
  async run(args, context) {
    const settings = context.settings();
    const dir = args.positionals[0] ?? settings.rulesDir;
    const report = await validateRuleDir(dir);
    const json = flag(args, 'json');
    if (!report.ok) {
      if (json) context.io.out(JSON.stringify({ ok: false, dir, problems: report.problems.map(({ file, path, reason }) => ({ file, path, reason })) }, null, 2));
      else for (const problem of report.problems) context.io.out(problem.message);
      context.io.err(`rules invalid: ${report.problems.length} problem(s) in ${dir}`);
      return EXIT_FAILED;
    }
    const summary = summarize(report.set);
    const unrouted = await unroutedRules(report.set, settings);
    for (const rule of unrouted) context.io.err(`warning: ${rule.source}: rule ${rule.id} matches no route of this build (${rule.path}); it will not apply`);
    if (json) {
      context.io.out(JSON.stringify({ ok: true, dir, version: report.set.version, files: summary.files, rules: report.set.rules.length, routes: summary.routes, unrouted }, null, 2));
    } else {
      context.io.out(`ok: ${report.set.rules.length} rules in ${summary.files.length} files (version ${report.set.version})`);
      for (const { file, rules } of summary.files) context.io.out(`  ${file}: ${rules} rules`);
      context.io.out('rules per route:');
      for (const { methods, path, rules } of summary.routes) context.io.out(`  ${methods} ${path}: ${rules.join(', ')}`);
    }
    return EXIT_OK;
  },
};

interface Summary {
  files: Array<{ file: string; rules: number }>;
  /** Grouped by path and method(s), in the order rules were loaded. */
  routes: Array<{ methods: string; path: string; rules: string[] }>;
}

function summarize(set: RuleSet): Summary {
  const files = set.sources.map((file) => ({ file, rules: set.rules.filter((rule) => rule.source === file).length }));
  const routes = new Map<string, Summary['routes'][number]>();
  for (const rule of set.rules) {
    const methods = rule.match.methods === '*' ? '*' : rule.match.methods.join(',');
    const key = `${methods} ${rule.match.path}`;
    const route = routes.get(key) ?? { methods, path: rule.match.path, rules: [] };
    route.rules.push(rule.id);
    routes.set(key, route);
  }
  return { files, routes: [...routes.values()] };
}

/** Rules whose path is none of the routes the service serves (admin ones included), as main.ts warns at start. */
async function unroutedRules(set: RuleSet, settings: Readonly<Settings>): Promise<Array<{ id: string; path: string; source: string }>> {
  const service = createCliService({ settings, stores: memoryStores(systemClock), rules: set, clock: systemClock });
  try {
    const served = new Set([AUTH_FAILURE_PATH, ...appRoutes(service.composed.routes, service.stores.health, true).map((route) => route.path)]);
    return set.rules.filter((rule) => !rulePathServed(rule.match.path, served)).map((rule) => ({ id: rule.id, path: rule.match.path, source: rule.source }));
  } finally {
    await service.close();
  }
}
