/**
 * The shape every `tollgate` command has: the words that name it, its --help text, its options
 * for node:util parseArgs, and run(). run-cli.ts dispatches; a command returns its exit code and
 * throws UsageError (exit 2) or StoreUnreachableError (exit 3) for the failures that are not its
 * own answer.
 */
import { parseArgs } from 'node:util';
import type { Settings } from '../settings.js';
import { serviceNotes, type CliService } from './cli-service.js';
import { UsageError } from './cli-errors.js';

/** Where a command writes: whole lines, without their newline. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** stdout and stderr of this process. */
export const processIo: CliIo = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
};

export interface CliContext {
  io: CliIo;
  /** The service's settings from the environment, read when first asked (throws SettingsError). */
  settings(): Readonly<Settings>;
  /** Rules, stores and wiring as the service builds them. The command closes what it opens. */
  openService(): Promise<CliService>;
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
}

export interface CommandArgs {
  values: Readonly<Record<string, string | boolean | readonly string[] | undefined>>;
  positionals: readonly string[];
}

export interface CliCommand {
  /** The words that name it: ["rules", "validate"]. */
  words: readonly string[];
  /** One line for `tollgate --help`. */
  summary: string;
  /** The whole `--help` text. */
  help: string;
  options: Readonly<Record<string, OptionSpec>>;
  /** How many positional arguments it takes. */
  positionals: { min: number; max: number };
  run(args: CommandArgs, context: CliContext): Promise<number>;
}

/** Parses a command's arguments strictly; undefined when --help was asked for. */
export function parseCommandArgs(command: CliCommand, argv: readonly string[]): CommandArgs | undefined {
  const name = command.words.join(' ');
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...command.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs explains well ("Unknown option '--x'"), but adds advice about '--' that fits a script's author, not an operator.
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''), name);
  }
  if (parsed.values.help === true) return undefined;
  const { min, max } = command.positionals;
  if (parsed.positionals.length < min) throw new UsageError(`missing argument: ${name} takes ${describeCount(min, max)}`, name);
  if (parsed.positionals.length > max) throw new UsageError(`unexpected argument "${parsed.positionals[max]}": ${name} takes ${describeCount(min, max)}`, name);
  return { values: parsed.values as CommandArgs['values'], positionals: parsed.positionals };
}

function describeCount(min: number, max: number): string {
  if (max === Infinity) return `at least ${min} argument(s)`;
  return min === max ? `${min} argument(s)` : `${min} to ${max} arguments`;
}

/** A string option's value, if given. */
export function stringOption(args: CommandArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A repeatable string option's values, in order ([] when not given). */
export function listOption(args: CommandArgs, name: string): readonly string[] {
  const value = args.values[name];
  return Array.isArray(value) ? value : [];
}

export function flag(args: CommandArgs, name: string): boolean {
  return args.values[name] === true;
}

/** Opens the service, says what the operator should know of it (stderr), runs `work` on it and always closes it. */
export async function withService<T>(context: CliContext, work: (service: CliService) => Promise<T>): Promise<T> {
  const service = await context.openService();
  try {
    for (const note of serviceNotes(service)) context.io.err(note);
    return await work(service);
  } finally {
    await service.close();
  }
}
