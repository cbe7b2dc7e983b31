/**
 * Runs a service (the replication reader by default, or the raw sink) as a child process for the demo: the same
 * entry point Kubernetes runs, with its logs in a file, readiness polled on /readyz, and a SIGTERM stop that
 * lets it confirm its position or commit its batch.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import path from 'node:path';
import { PipelineError } from '../../lib/errors/index.ts';
import { repoRoot } from '../stack/topology.ts';

export interface ServiceProcess {
  opsUrl: string;
  logFile: string;
  metrics(): Promise<string>;
  stop(): Promise<number | null>;
}

export async function startServiceProcess(options: {
  /** The service's entry point (default: the replication reader). */
  entry?: string;
  /** For messages: what is starting. */
  name?: string;
  env: Record<string, string>;
  opsPort: number;
  logFile: string;
  readyTimeoutMs?: number;
}): Promise<ServiceProcess> {
  const log = openSync(options.logFile, 'a');
  // node with tsx as a loader, not the tsx CLI: the CLI runs node as a child of its own, which a SIGKILL of the
  // CLI would leave running (holding the ops port and the slot's lease).
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', options.entry ?? path.join(repoRoot, 'services', 'replication-reader', 'main.ts')],
    {
      cwd: repoRoot,
      env: { ...process.env, ...options.env, OPS_HOST: '127.0.0.1', OPS_PORT: String(options.opsPort) },
      stdio: ['ignore', log, log],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const opsUrl = `http://127.0.0.1:${options.opsPort}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) {
      throw new PipelineError(
        'COMMAND_FAILED',
        `the ${options.name ?? 'reader'} exited with code ${child.exitCode}; see ${options.logFile}`,
      );
    }
    const ready = await fetch(`${opsUrl}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new PipelineError(
        'COMMAND_FAILED',
        `the ${options.name ?? 'reader'} did not become ready; see ${options.logFile}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    opsUrl,
    logFile: options.logFile,
    metrics: () => fetch(`${opsUrl}/metrics`).then((response) => response.text()),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** `cdc_reader_changes_total{table="missions",op="u"} 12` lines, summed per table and operation. */
export function changeCounts(metricsText: string): Record<string, Record<string, number>> {
  const counts: Record<string, Record<string, number>> = {};
  for (const match of metricsText.matchAll(
    /^cdc_reader_changes_total\{table="([^"]+)",op="([^"]+)"\} (\d+)/gm,
  )) {
    const [, table, op, value] = match as unknown as [string, string, string, string];
    counts[table] ??= {};
    counts[table][op] = Number(value);
  }
  return counts;
}

/** Rows copied by the initial snapshot, summed over tables (`cdc_reader_snapshot_rows_total`). */
export function snapshotRows(metricsText: string): number {
  let total = 0;
  for (const match of metricsText.matchAll(/^cdc_reader_snapshot_rows_total\{[^}]*\} (\d+)/gm))
    total += Number(match[1]);
  return total;
}
