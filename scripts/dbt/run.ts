/**
 * Runs dbt from the project's virtual environment (installed by `npm run stack -- up`) against the dbt/
 * project, with the profile filled from configuration.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PipelineError } from '../../lib/errors/index.ts';
import { repoRoot, stackHome } from '../stack/topology.ts';
import { dbtProfileEnv } from './profile-env.ts';

export const dbtProjectDir = path.join(repoRoot, 'dbt');

export interface DbtRun {
  args: string[];
  databaseUrl: string;
  threads?: number;
  venv?: string;
  capture?: boolean;
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
    DBT_PROJECT_DIR: dbtProjectDir,
    DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(executable, run.args, {
      cwd: dbtProjectDir,
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
