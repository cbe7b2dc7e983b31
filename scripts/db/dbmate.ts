/**
 * dbmate, the migration tool of the seed jobs, run from the binary its npm package ships. Two targets:
 * `analytics` (the pipeline's own database: analytics_raw and the cdc bookkeeping) and `core` (the demo's
 * source schema; in production the product team owns that database).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PipelineError } from '../../lib/errors/index.ts';
import { repoRoot } from '../stack/topology.ts';

export const migrationTargets = {
  analytics: { directory: 'db/migrations', table: 'cdc.schema_migrations' },
  core: { directory: 'db/core/migrations', table: 'public.schema_migrations' },
} as const;

export type MigrationTarget = keyof typeof migrationTargets;

export interface DbmateRun {
  target: MigrationTarget;
  args: string[];
  url?: string;
  /** Inherit stdio (CLI) or capture it (tests). */
  capture?: boolean;
}

export interface DbmateResult {
  code: number;
  output: string;
}

const dbmateBinary = path.join(repoRoot, 'node_modules', '.bin', 'dbmate');

export function runDbmate(run: DbmateRun): Promise<DbmateResult> {
  const target = migrationTargets[run.target];
  const args = [
    '--migrations-dir',
    path.join(repoRoot, target.directory),
    '--migrations-table',
    target.table,
    '--no-dump-schema',
    '--wait',
    '--wait-timeout',
    '30s',
    ...run.args,
  ];
  // The URL goes through the environment, never the command line, so it does not show up in `ps`.
  const env = { ...process.env, DATABASE_URL: run.url ?? '' };
  return new Promise((resolve, reject) => {
    const child = spawn(dbmateBinary, args, { env, stdio: run.capture ? 'pipe' : 'inherit' });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', (error) =>
      reject(new PipelineError('COMMAND_FAILED', `could not run dbmate (${dbmateBinary})`, { cause: error })),
    );
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}
