/**
 * runCli(argv, options): `tollgate <command>`, dispatched to the command named by the first
 * words, its arguments parsed strictly (node:util parseArgs), its failures turned into the
 * documented exit codes. Returns the exit code; never exits the process itself, so tests run it
 * in-process with their own stores.
 */
import { SettingsError, loadSettings, type Settings } from '../settings.js';
import { RuleFileError } from '../rules/rule-file-error.js';
import type { CliService } from './cli-service.js';
import { EXIT_CODES_HELP, EXIT_FAILED, EXIT_OK, EXIT_STORE, EXIT_USAGE, StoreUnreachableError, UsageError } from './cli-errors.js';
import { parseCommandArgs, type CliCommand, type CliContext, type CliIo } from './cli-command.js';
import { openService } from './open-service.js';
import { rulesValidateCommand } from './rules-validate-command.js';
import { rulesExplainCommand } from './rules-explain-command.js';
import { usageShowCommand } from './usage-show-command.js';
import { usageResetCommand } from './usage-reset-command.js';
import { pruneCommand, type PruneJob } from './prune-command.js';

export interface RunCliOptions {
  io: CliIo;
  /** The environment the settings are read from (process.env in main.ts). */
  env: Readonly<Record<string, string | undefined>>;
  /** How the service's rules and stores are opened (default: as the service does, from the settings). */
  openService?: (settings: Readonly<Settings>) => Promise<CliService>;
  /** The prune job of this build; without it `prune` exits 1. */
  pruneJob?: PruneJob;
}

export function cliCommands(pruneJob: PruneJob | undefined): CliCommand[] {
  return [rulesValidateCommand, rulesExplainCommand, usageShowCommand, usageResetCommand, pruneCommand(pruneJob)];
}

export async function runCli(argv: readonly string[], options: RunCliOptions): Promise<number> {
  const { io } = options;
  const commands = cliCommands(options.pruneJob);
  try {
    const [first, ...rest] = argv;
    if (first === undefined) throw new UsageError('missing command');
    if (first === '--help' || first === '-h' || first === 'help') return printHelp(io, rest.length === 0 ? undefined : findCommand(commands, rest));
    const group = commands.filter((c) => c.words.length > 1 && c.words[0] === first);
    if (group.length > 0 && (rest[0] === '--help' || rest[0] === '-h')) {
      io.out(commandList(`tollgate ${first} <command>`, group));
      return EXIT_OK;
    }
    const command = findCommand(commands, argv);
    const args = parseCommandArgs(command, argv.slice(command.words.length));
    if (!args) return printHelp(io, command);
    let settings: Readonly<Settings> | undefined;
    const context: CliContext = {
      io,
      settings: () => (settings ??= loadSettings(options.env)),
      openService: () => (options.openService ?? openService)(context.settings()),
    };
    return await command.run(args, context);
  } catch (error) {
    return failed(io, error);
  }
}

/** The command named by the first words of argv; a group name alone ("rules") or an unknown word is a usage error. */
function findCommand(commands: readonly CliCommand[], argv: readonly string[]): CliCommand {
  const command = commands.find((c) => c.words.every((word, i) => argv[i] === word));
  if (command) return command;
  const group = commands.filter((c) => c.words.length > 1 && c.words[0] === argv[0]);
  if (group.length > 0) {
    const choices = group.map((c) => c.words[1]).join(', ');
    throw new UsageError(argv[1] === undefined || argv[1].startsWith('-') ? `${argv[0]}: missing command (one of ${choices})` : `${argv[0]}: unknown command "${argv[1]}" (one of ${choices})`);
  }
  throw new UsageError(`unknown command "${argv[0]}"`);
}

function printHelp(io: CliIo, command: CliCommand | undefined): number {
  io.out(command ? command.help : commandList('tollgate <command>', cliCommands(undefined)));
  return EXIT_OK;
}

/** `tollgate --help`, or a group's (`tollgate rules --help`). */
function commandList(usage: string, commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.words.join(' ').length));
  return `Usage: ${usage} [arguments] [--help]

The operator's tool of tollgate. It reads the same settings as the service (RULES_DIR,
CASSANDRA_*, KEY_SECRET, ...; see the README) and works on the same rules and store.

Commands:
${commands.map((c) => `  ${c.words.join(' ').padEnd(width)}  ${c.summary}`).join('\n')}

Run 'tollgate <command> --help' for its arguments and options.

${EXIT_CODES_HELP}`;
}

function failed(io: CliIo, error: unknown): number {
  if (error instanceof UsageError) {
    io.err(`tollgate: ${error.message}`);
    io.err(`Run 'tollgate ${error.command === undefined ? '' : `${error.command} `}--help' for usage.`);
    return EXIT_USAGE;
  }
  if (error instanceof SettingsError) {
    io.err(`tollgate: ${error.message}`);
    return EXIT_USAGE;
  }
  if (error instanceof RuleFileError) {
    io.err(`tollgate: the rules do not load: ${error.message}`);
    return EXIT_FAILED;
  }
  if (error instanceof StoreUnreachableError) {
    io.err(`tollgate: store unreachable: ${error.message}`);
    return EXIT_STORE;
  }
  io.err(`tollgate: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return EXIT_FAILED;
}
