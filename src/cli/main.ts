/**
 * The entry point of `tollgate` (bin/tollgate.mjs runs it; `node dist/cli/main.js` in a built
 * image): the CLI's composition root, as src/main.ts is the service's. It reads the process's
 * arguments and environment, plugs in what this build has, and sets the exit code.
 */
import { describePrune, pruneCalls } from '../jobs/prune-calls.js';
import { processIo } from './cli-command.js';
import { terminalProgress } from './progress.js';
import type { PruneJob } from './prune-command.js';
import { runCli } from './run-cli.js';

/** The service's prune job, run once on the rules in force (files and settings). */
const pruneJob: PruneJob = async (run) => {
  const progress = terminalProgress();
  try {
    const report = await pruneCalls({
      maintenance: run.stores.maintenance,
      rules: () => run.rules.rules,
      clock: run.clock,
      dryRun: run.dryRun,
      onPartition: (rule, partitions) => progress.update(`prune: ${rule}: ${partitions} partitions ${run.dryRun ? 'looked at' : 'pruned'}`),
    });
    return { summary: describePrune(report), details: report };
  } finally {
    progress.done();
  }
};

process.exitCode = await runCli(process.argv.slice(2), { io: processIo, env: process.env, pruneJob });
