/**
 * The sink's baseline: the very rows the sink wrote (metadata columns included), loaded with a plain
 * `COPY ... FROM STDIN` (psql's \copy) into a twin of the raw table (same columns, key, index and defaults).
 * That is the fastest way PostgreSQL takes those rows into that shape, so ours / COPY says what the upsert,
 * the decoding and the per-batch cursor cost.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { quoteIdentifier } from '../../lib/postgres/index.ts';
import { libpqEnvironment, query } from '../support/postgres.ts';

function psql(url: string, command: string, timeoutMs = 10 * 60 * 1000): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', command], {
      env: { ...process.env, ...libpqEnvironment(url) },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: timeoutMs,
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`psql ${command.split(' ')[0]}: ${signal ?? code} ${stderr}`)),
    );
  });
}

export interface CopyResult {
  rows: number;
  seconds: number;
  bytes: number;
}

export async function copyBaseline(analyticsUrl: string, table: string): Promise<CopyResult> {
  const source = `analytics_raw.${quoteIdentifier(table)}`;
  const twin = `analytics_raw.${quoteIdentifier(`${table}_copy`)}`;
  const directory = mkdtempSync(path.join(tmpdir(), 'cdc-bench-copy-'));
  const file = path.join(directory, 'rows.copy');
  try {
    await psql(analyticsUrl, `\\copy (SELECT * FROM ${source}) TO '${file}'`);
    await query(analyticsUrl, `CREATE TABLE ${twin} (LIKE ${source} INCLUDING ALL)`);
    const started = performance.now();
    await psql(analyticsUrl, `\\copy ${twin} FROM '${file}'`);
    const seconds = (performance.now() - started) / 1000;
    const counted = await query<{ rows: string }>(analyticsUrl, `SELECT count(*)::text AS rows FROM ${twin}`);
    return { rows: Number(counted[0]?.rows ?? 0), seconds, bytes: statSync(file).size };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
