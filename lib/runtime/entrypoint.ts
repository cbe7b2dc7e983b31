/**
 * The wrapper every command and service `main` goes through: configuration problems become one readable
 * message and exit code 2 (nothing started, nothing to retry), other failures are logged, sent to Sentry and
 * exit 1. Keeping this in one place is what makes "every entry point names the bad field" true.
 */
import { ConfigError } from '../config/load.ts';
import { PipelineError } from '../errors/pipeline-error.ts';
import { flushSentry, reportError } from './sentry.ts';

export const exitCodes = { ok: 0, failure: 1, invalidConfig: 2, invalidArguments: 64 } as const;

export function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    const causes: string[] = [];
    let cause = error.cause;
    while (cause instanceof Error && causes.length < 5) {
      causes.push(cause.message);
      cause = cause.cause;
    }
    return [error.message, ...causes.map((message) => `  caused by: ${message}`)].join('\n');
  }
  return String(error);
}

export async function runMain(name: string, main: () => Promise<number | undefined>): Promise<void> {
  try {
    const code = await main();
    process.exitCode = typeof code === 'number' ? code : exitCodes.ok;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exitCode = exitCodes.invalidConfig;
      return;
    }
    if (error instanceof PipelineError && error.code === 'INVALID_ARGUMENT') {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exitCode = exitCodes.invalidArguments;
      return;
    }
    reportError(error, { entrypoint: name });
    process.stderr.write(`${name} failed: ${describeFailure(error)}\n`);
    process.exitCode = exitCodes.failure;
  } finally {
    await flushSentry();
  }
}
