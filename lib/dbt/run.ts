/**
 * Runs dbt from the project's virtual environment against the dbt/ project, with the profile filled from
 * configuration. Shared by `npm run dbt` and the marts builder. The environment is DBT_VENV when set (the
 * image's), else the local stack's (`npm run stack -- up` installs it under CDC_STACK_HOME or .cache/stack).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PipelineError } from '../errors/index.ts';
import { dbtProfileEnv } from './profile-env.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const stackHome = process.env.CDC_STACK_HOME
  ? path.resolve(process.env.CDC_STACK_HOME)
  : path.join(repoRoot, '.cache', 'stack');

export const dbtProjectDir = path.join(repoRoot, 'dbt');

export interface DbtRun {
  args: string[];
  databaseUrl: string;
  threads?: number;
  venv?: string;
  capture?: boolean;
  /** Another dbt project (tests); default: the repository's dbt/. Its profile is still dbt/profiles.yml. */
  projectDir?: string;
}

export function dbtExecutable(venv = path.join(stackHome, 'venv')): string {
  const executable = path.join(venv, 'bin', 'dbt');
  if (!existsSync(executable)) {
    throw new PipelineError(
      'STACK_UNAVAILABLE',
      `dbt is not installed at ${executable}: run "npm run stack -- up" (it creates the virtual environment), or set DBT_VENV`,
    );
  }
  return executable;
}

export function runDbt(run: DbtRun): Promise<{ code: number; output: string }> {
  const executable = dbtExecutable(run.venv);
  const env = {
    ...process.env,
    ...dbtProfileEnv(run.databaseUrl, run.threads ?? 4),
    DBT_PROFILES_DIR: dbtProjectDir,
    DBT_PROJECT_DIR: run.projectDir ?? dbtProjectDir,
    DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(executable, run.args, {
      cwd: run.projectDir ?? dbtProjectDir,
      env,
      stdio: run.capture ? 'pipe' : 'inherit',
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', (error) =>
      reject(new PipelineError('COMMAND_FAILED', 'could not start dbt', { cause: error })),
    );
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}
