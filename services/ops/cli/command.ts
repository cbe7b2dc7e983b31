/** The shape of a `cdc` sub-command: one file per command under commands/, listed in commands/index.ts. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { PipelineError } from '../../../lib/errors/index.ts';

export interface CliOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stdout is a terminal: progress can be redrawn in place. */
  isTTY?: boolean;
}

export interface Command {
  name: string;
  /** One line for `cdc --help`. */
  summary: string;
  /** The full text of `cdc <name> --help`. */
  help: string;
  /** Returns the exit code: 0 ok, 1 the check or action failed; configuration problems throw (exit 2). */
  run(args: readonly string[], output: CliOutput): Promise<number>;
}

/** Strict option parsing: an unknown or malformed option is a usage error (exit 64), never ignored. */
export function parseOptions<const Options extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  args: readonly string[],
  options: Options,
) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new PipelineError('INVALID_ARGUMENT', `${command}: ${(error as Error).message}`, { cause: error });
  }
}
