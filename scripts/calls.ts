/**
 * `npm run calls -- [--reset] <rule id> <raw key> [<more key parts>...]`: kept for its users; it is
 * now `tollgate usage show` (or, with --reset, `tollgate usage reset`), printed as JSON as before.
 * See `npx tollgate usage show --help`.
 */
import { processIo } from '../src/cli/cli-command.js';
import { runCli } from '../src/cli/run-cli.js';

const args = process.argv.slice(2);
const reset = args[0] === '--reset';
process.exitCode = await runCli(['usage', reset ? 'reset' : 'show', '--json', ...(reset ? args.slice(1) : args)], { io: processIo, env: process.env });
