/**
 * The exit codes of `tollgate` and the two failures that choose one: a usage error (exit 2) and
 * a store that could not be reached (exit 3). Anything else a command finds wrong is its own
 * answer (exit 1), and a denied decision is an answer too (exit 0).
 */
import { TollgateError } from '../errors.js';
import { RuleFileError } from '../rules/rule-file-error.js';

export const EXIT_OK = 0;
/** The command's check failed (invalid rules), or it could not do its work (no prune job). */
export const EXIT_FAILED = 1;
/** Unknown command or option, missing or malformed argument, invalid settings. */
export const EXIT_USAGE = 2;
/** The store (Cassandra) could not be reached, or did not answer in time. */
export const EXIT_STORE = 3;

/** The text `tollgate --help` and every command's help end with. */
export const EXIT_CODES_HELP = `Exit codes:
  0  done (a denied decision is an answer, not a failure)
  1  the check failed (invalid rules) or the command could not run (prune job not in this build)
  2  usage error: unknown command or option, missing or malformed argument, invalid settings
  3  the store could not be reached (Cassandra down, unreachable or too slow)`;

export class UsageError extends Error {
  /** The command whose --help to point at ("rules validate"), if known. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

export class StoreUnreachableError extends Error {
  /** `what` failed because of `cause`, of which the first line is kept (the driver's run on over many). */
  constructor(what: string, cause: unknown) {
    super(`${what}: ${(cause instanceof Error ? cause.message : String(cause)).split('\n')[0]}`, { cause });
    this.name = 'StoreUnreachableError';
  }
}

/**
 * Runs a step that talks to the store. Whatever it throws, other than tollgate's own refusals
 * (an unknown rule, an unreadable key, an invalid rule document), means the store did not
 * answer: exit 3, naming the step.
 */
export async function fromStore<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const ours = [TollgateError, RuleFileError, UsageError, StoreUnreachableError];
    if (ours.some((kind) => error instanceof kind)) throw error;
    throw new StoreUnreachableError(what, error);
  }
}
