/**
 * `tollgate prune [--dry-run]`: one run of the prune job (call records no rule in force still
 * needs) against the configured store, at
 * once instead of on its schedule; with --dry-run, what it would remove, removing nothing.
 *
 * The job itself is not the CLI's: it is handed in as a PruneJob (src/cli/main.ts plugs it), so
 * the CLI owns only the arguments, the output and the exit codes. A build without the job says
 * so and exits 1.
 */
import type { Clock } from '../clock.js';
import type { Settings } from '../settings.js';
import type { Stores } from '../stores.js';
import type { RuleSet } from '../rules/rule.js';
import { EXIT_CODES_HELP, EXIT_FAILED, EXIT_OK, fromStore } from './cli-errors.js';
import { flag, withService, type CliCommand } from './cli-command.js';

/** What one run of the job is given. */
export interface PruneRun {
  settings: Readonly<Settings>;
  stores: Stores;
  /** The rules in force (files and settings), as the service would load them now. */
  rules: RuleSet;
  clock: Clock;
  /** Report what would be removed; remove nothing. */
  dryRun: boolean;
}

/** What the job reports. */
export interface PruneOutcome {
  /** For people, one line or a few: what was (or would be) removed, and how long it took. */
  summary: readonly string[];
  /** Everything the job reports, for --json. */
  details?: unknown;
}

export type PruneJob = (run: PruneRun) => Promise<PruneOutcome>;

export const PRUNE_NOT_AVAILABLE = 'prune job not available in this build';

export function pruneCommand(job: PruneJob | undefined): CliCommand {
  return {
    words: ['prune'],
    summary: 'remove call records no rule in force needs any more (--dry-run: only say what)',
    help: `Usage: tollgate prune [--dry-run] [--json]

Runs the prune job once, now, against the configured store (the same settings as the
service): removes the call records that no rule in force still needs (the partitions of
deleted or renamed rules, calls older than a shortened window plus 10 minutes), and says what
it removed and how long it took. Safe beside running instances and beside another prune: each
rule is worked on by one of them. TTLs bound storage even if this never runs (settings history
too: its rows expire after a year). A rule seen for the first time is only recorded.

Options:
  --dry-run   say what would be removed; remove nothing
  --json      the job's report as one JSON document
  -h, --help  this help

${EXIT_CODES_HELP}`,
    options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
    positionals: { min: 0, max: 0 },
    async run(args, context) {
      if (!job) {
        context.io.err(`tollgate prune: ${PRUNE_NOT_AVAILABLE}`);
        return EXIT_FAILED;
      }
      const dryRun = flag(args, 'dry-run');
      const outcome = await withService(context, (service) =>
        fromStore('pruning', () => job({ settings: service.settings, stores: service.stores, rules: service.ruleSet, clock: service.clock, dryRun })),
      );
      if (flag(args, 'json')) context.io.out(JSON.stringify({ dryRun, ...(outcome.details === undefined ? {} : { details: outcome.details }), summary: outcome.summary }, null, 2));
      else for (const line of outcome.summary) context.io.out(dryRun ? `dry run: ${line}` : line);
      return EXIT_OK;
    },
  };
}
