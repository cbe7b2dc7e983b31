/**
 * Loads and validates configuration once, at start-up. Every invalid or missing variable is reported by name
 * in one error (so an operator fixes them all in one go), and no value is ever echoed back: the messages come
 * from the schema, not from the input.
 */
import type { z } from 'zod';
import { PipelineError } from '../errors/pipeline-error.ts';
import { loadEnvFiles } from './env-file.ts';
import { type SectionName, sections } from './sections.ts';

export type Config<Names extends SectionName> = { [Name in Names]: z.output<(typeof sections)[Name]> };

export interface ConfigProblem {
  variable: string;
  message: string;
}

export class ConfigError extends PipelineError {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    const lines = problems.map((problem) => `  - ${problem.variable}: ${problem.message}`);
    super('CONFIG_INVALID', `Invalid configuration:\n${lines.join('\n')}`, { details: { problems } });
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Empty variables (`FOO=` in a .env file) mean "unset", not "the empty string". */
function withoutEmptyValues(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '',
    ),
  );
}

function describeIssue(issue: z.core.$ZodIssue, input: Record<string, string>): ConfigProblem {
  const variable = String(issue.path[0] ?? '(environment)');
  if (input[variable] === undefined && issue.code === 'invalid_type')
    return { variable, message: 'is required' };
  return { variable, message: issue.message };
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Read `.env.<ENV>` and `.env` first (default true; tests turn it off). */
  envFiles?: boolean;
}

export function loadConfig<const Names extends SectionName>(
  names: readonly Names[],
  options: LoadConfigOptions = {},
): Config<Names> {
  const env = options.env ?? process.env;
  if (options.envFiles ?? true) loadEnvFiles(env);
  const input = withoutEmptyValues(env);
  const problems: ConfigProblem[] = [];
  const config: Record<string, unknown> = {};
  for (const name of names) {
    const result = sections[name].safeParse(input);
    if (result.success) config[name] = result.data;
    else problems.push(...result.error.issues.map((issue) => describeIssue(issue, input)));
  }
  const unique = problems.filter(
    (problem, index) =>
      problems.findIndex(
        (other) => other.variable === problem.variable && other.message === problem.message,
      ) === index,
  );
  if (unique.length > 0) throw new ConfigError(unique);
  return config as Config<Names>;
}
