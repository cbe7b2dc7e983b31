/**
 * Every entry point validates its configuration before doing anything: a missing or invalid setting exits
 * with code 2 and a message naming the variable, never its value. Run in an empty directory with a minimal
 * environment, so no developer's .env file or stack variables leak in.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/stack/topology.ts';

const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx');
const emptyDirectory = mkdtempSync(path.join(tmpdir(), 'entrypoints-'));

function run(script: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(tsx, [path.join(repoRoot, script), ...args], {
    cwd: emptyDirectory,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, stderr: result.stderr, stdout: result.stdout };
}

const cases: { script: string; args: string[]; variable: string }[] = [
  { script: 'scripts/db/main.ts', args: ['migrate'], variable: 'DATABASE_URL_ANALYTICS' },
  {
    script: 'scripts/db/main.ts',
    args: ['migrate', '--target', 'core'],
    variable: 'DATABASE_URL_CORE_OWNER',
  },
  { script: 'scripts/dbt/main.ts', args: ['debug'], variable: 'DATABASE_URL_ANALYTICS' },
  { script: 'scripts/demo/seed.ts', args: [], variable: 'DATABASE_URL_CORE_OWNER' },
  { script: 'scripts/workload/main.ts', args: ['--count', '1'], variable: 'DATABASE_URL_CORE_OWNER' },
  { script: 'services/replication-reader/main.ts', args: [], variable: 'DATABASE_URL_CORE' },
  { script: 'services/replication-reader/main.ts', args: [], variable: 'KAFKA_BROKERS' },
  { script: 'services/replication-reader/main.ts', args: [], variable: 'SCHEMA_REGISTRY_URL' },
  { script: 'services/raw-sink/main.ts', args: [], variable: 'DATABASE_URL_ANALYTICS' },
  { script: 'services/raw-sink/main.ts', args: [], variable: 'KAFKA_BROKERS' },
  { script: 'services/marts-builder/main.ts', args: [], variable: 'DATABASE_URL_ANALYTICS' },
  { script: 'services/marts-builder/main.ts', args: [], variable: 'KAFKA_BROKERS' },
  { script: 'services/ops/cli/main.ts', args: ['preflight'], variable: 'DATABASE_URL_CORE' },
];

// The demo brings the local stack up when no connection variable is set, so only an invalid one can stop it.
const invalidCases = [
  ...cases,
  { script: 'scripts/demo/main.ts', args: [], variable: 'DATABASE_URL_CORE_OWNER' },
];

afterAll(() => rmSync(emptyDirectory, { recursive: true, force: true }));

describe('entry points', () => {
  it.each(cases)(
    '$script $args exits 2 naming $variable when it is missing',
    ({ script, args, variable }) => {
      const result = run(script, args);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(variable);
    },
  );

  it.each(invalidCases)(
    '$script $args names an invalid $variable without printing it',
    ({ script, args, variable }) => {
      const secret = 'mysql://user:do-not-print-me@db/core';
      const result = run(script, args, { [variable]: secret });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(variable);
      expect(result.stderr + result.stdout).not.toContain('do-not-print-me');
    },
  );

  it('rejects an invalid shared setting (ENV) the same way', () => {
    const result = run('scripts/db/main.ts', ['migrate'], {
      ENV: 'prod',
      DATABASE_URL_ANALYTICS: 'postgres://u:p@127.0.0.1:1/analytics',
    });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('ENV');
  });
});
