/**
 * The `cdc` operator CLI: help and usage errors (in process), and `cdc preflight` as a real process against the
 * stack's `core` database (JSON output, exit code that matches the findings) and without configuration.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/stack/topology.ts';
import { runCli } from '../../services/ops/cli/cli.ts';

function captured() {
  const output = { stdout: '', stderr: '' };
  return {
    output,
    io: {
      stdout: (text: string) => {
        output.stdout += text;
      },
      stderr: (text: string) => {
        output.stderr += text;
      },
    },
  };
}

const emptyDirectory = mkdtempSync(path.join(tmpdir(), 'cdc-cli-'));
afterAll(() => rmSync(emptyDirectory, { recursive: true, force: true }));

function runCdc(args: string[], options: { env: NodeJS.ProcessEnv; cwd?: string; viaNpm?: boolean }) {
  const [command, commandArgs] = options.viaNpm
    ? ['npm', ['run', '-s', 'cdc', '--', ...args]]
    : [
        path.join(repoRoot, 'node_modules', '.bin', 'tsx'),
        [path.join(repoRoot, 'services/ops/cli/main.ts'), ...args],
      ];
  const result = spawnSync(command, commandArgs, {
    cwd: options.cwd ?? repoRoot,
    env: options.env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('cdc CLI usage', () => {
  it('lists the commands on --help (exit 0)', async () => {
    const { io, output } = captured();
    expect(await runCli(['--help'], io)).toBe(0);
    expect(output.stdout).toMatch(/Usage: cdc <command>/);
    expect(output.stdout).toMatch(/preflight\s+check that the core database is ready/);
  });

  it('shows a command’s help on <command> --help (exit 0)', async () => {
    const { io, output } = captured();
    expect(await runCli(['preflight', '--help'], io)).toBe(0);
    expect(output.stdout).toMatch(/^Usage: cdc preflight \[--json\]/);
  });

  it.each([[['frobnicate']], [[]], [['preflight', '--jsno']]])(
    'exits 64 with the usage for %j',
    async (args) => {
      const { io, output } = captured();
      expect(await runCli(args, io)).toBe(64);
      expect(output.stderr).toMatch(/Usage: cdc/);
      expect(output.stdout).toBe('');
    },
  );
});

describe('cdc preflight', () => {
  it('checks the stack’s core database and prints parseable JSON with a matching exit code', () => {
    const key = `do-not-print-${'x'.repeat(32)}`;
    const result = runCdc(['preflight', '--json'], {
      env: { ...process.env, CDC_PSEUDONYMISATION_KEY: key },
      viaNpm: true,
    });
    expect([0, 1], result.stderr).toContain(result.code);
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      counts: { fail: number };
      findings: { check: string; status: string; detail: string; fix: string | null }[];
    };
    expect(result.code).toBe(report.ok ? 0 : 1);
    expect(report.counts.fail > 0).toBe(!report.ok);
    expect(report.findings.find((finding) => finding.check === 'server.wal_level')).toMatchObject({
      status: 'ok',
    });
    expect(report.findings.find((finding) => finding.check === 'database.connect')).toBeUndefined();
    for (const finding of report.findings) {
      if (finding.status !== 'ok') expect(finding.fix, finding.check).toBeTruthy();
    }
    // The key is checked, never printed.
    expect(report.findings.find((finding) => finding.check === 'privacy.pseudonymisation_key')?.status).toBe(
      'ok',
    );
    expect(result.stdout + result.stderr).not.toContain(key);
  });

  it('exits 2 naming DATABASE_URL_CORE when it is missing', () => {
    const result = runCdc(['preflight'], {
      cwd: emptyDirectory,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('DATABASE_URL_CORE');
  });

  it('exits 2 naming an invalid CDC_SLOT_NAME, without printing it', () => {
    const result = runCdc(['preflight'], {
      cwd: emptyDirectory,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        DATABASE_URL_CORE: 'postgres://u:p@127.0.0.1:1/core',
        CDC_SLOT_NAME: 'Do-Not-Print',
      },
    });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('CDC_SLOT_NAME');
    expect(result.stderr + result.stdout).not.toContain('Do-Not-Print');
  });

  it('reports an unreachable database as a failed check (exit 1), not a crash', () => {
    const result = runCdc(['preflight', '--json'], {
      cwd: emptyDirectory,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        DATABASE_URL_CORE: 'postgres://u:secret-pw@127.0.0.1:1/core',
      },
    });
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout) as { findings: { check: string; status: string }[] };
    expect(report.findings).toEqual([expect.objectContaining({ check: 'database.connect', status: 'fail' })]);
    expect(result.stdout + result.stderr).not.toContain('secret-pw');
  });
});
