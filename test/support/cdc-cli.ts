/**
 * Runs the operator CLI (`cdc <args>`) as a real process, with extra environment, and collects its output.
 * node with the tsx loader (not the tsx CLI, whose own node child a kill would leave running); killed if it
 * outlives `timeoutMs`.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../../scripts/stack/topology.ts';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCdc(args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'services/ops/cli/main.ts'), ...args],
      { cwd: repoRoot, env: { ...process.env, ...env } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
