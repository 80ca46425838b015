/**
 * The entry point of `tollgate` (bin/tollgate.mjs runs it; `node dist/cli/main.js` in a built
 * image): the CLI's composition root, as src/main.ts is the service's. It reads the process's
 * arguments and environment, plugs in what this build has, and sets the exit code.
 */
import { runCli } from './run-cli.js';

const io = {
  out: (line: string) => process.stdout.write(`${line}\n`),
  err: (line: string) => process.stderr.write(`${line}\n`),
};

// The prune job (src/jobs/prune-calls.ts) plugs in here as a PruneJob once it exists:
//   pruneJob: (run) => pruneCalls({ ... run ... }),
process.exitCode = await runCli(process.argv.slice(2), { io, env: process.env });
