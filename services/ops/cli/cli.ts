/**
 * Dispatch of `cdc <command> [options]`: `--help` anywhere shows help (exit 0); an unknown command or option
 * prints the usage to stderr and exits 64 (EX_USAGE), so scripts can tell a typo from a failed check.
 */

import { PipelineError } from '../../../lib/errors/index.ts';
import { exitCodes } from '../../../lib/runtime/index.ts';
import type { CliOutput, Command } from './command.ts';
import { commands } from './commands/index.ts';

export function usage(available: readonly Command[] = commands): string {
  const width = Math.max(...available.map((command) => command.name.length));
  return [
    'Usage: cdc <command> [options]',
    '',
    'Operator commands of the CDC pipeline.',
    '',
    'Commands:',
    ...available.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    "Run 'cdc <command> --help' for a command's options.",
    '',
  ].join('\n');
}

export async function runCli(
  argv: readonly string[],
  output: CliOutput,
  available: readonly Command[] = commands,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    output[name === undefined ? 'stderr' : 'stdout'](usage(available));
    return name === undefined ? exitCodes.invalidArguments : exitCodes.ok;
  }
  const command = available.find((candidate) => candidate.name === name);
  if (!command) {
    output.stderr(`cdc: unknown command '${name}'\n\n${usage(available)}`);
    return exitCodes.invalidArguments;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    output.stdout(command.help);
    return exitCodes.ok;
  }
  try {
    return await command.run(rest, output);
  } catch (error) {
    if (error instanceof PipelineError && error.code === 'INVALID_ARGUMENT') {
      output.stderr(`cdc: ${error.message}\n\n${command.help}`);
      return exitCodes.invalidArguments;
    }
    throw error;
  }
}
