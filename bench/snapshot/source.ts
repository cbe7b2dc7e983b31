/**
 * What the snapshot and memory scenarios share: a scratch core database holding the bench table filled with N
 * rows and no slot yet (so the reader creates one and snapshots), the reader's snapshot of it in a child
 * process, and the baseline, `COPY (SELECT …) TO STDOUT` of the same table through psql's \copy.
 */
import { spawn } from 'node:child_process';
import { runToCompletion } from '../support/children.ts';
import { benchTable, createCoreDatabase } from '../support/core-table.ts';
import type { BenchEnv } from '../support/env.ts';
import { libpqEnvironment, query, withDatabase } from '../support/postgres.ts';

export interface SnapshotChildInput {
  coreUrl: string;
  slot: string;
  publication: string;
  prefix: string;
  brokers: string[];
  registryUrl: string;
}

export interface SnapshotChildResult {
  /** From runReader() to streaming. */
  seconds: number;
  /** From the first to the last batch of rows read (sampled every 50 ms). */
  readingSeconds: number | undefined;
  /** From runReader() to the first rows read: slot with exported snapshot, topics, schemas. */
  setupSeconds: number | undefined;
  rows: number;
  maxRssBytes: number;
}

export const publication = 'bench_publication';
/** Large transactions fill fastest; the snapshot does not care how the rows were committed. */
const fillTransactionRows = 100_000;

/**
 * Creates `database` with the bench table and `rows` rows. createCoreDatabase also creates a slot (other
 * scenarios stream from it); it is dropped first, so the reader meets no slot and snapshots.
 */
export async function createSnapshotSource(
  env: BenchEnv,
  database: string,
  slot: string,
  rows: number,
): Promise<void> {
  await createCoreDatabase(env.ownerUrl, env.readerUrl, database, publication, slot);
  await query(withDatabase(env.readerUrl, database), 'SELECT pg_drop_replication_slot($1)', [slot]);
  const ownerUrl = withDatabase(env.ownerUrl, database);
  await query(ownerUrl, 'CALL bench_fill($1, $2)', [rows, Math.min(rows, fillTransactionRows)]);
  // Both sides then read a table with its visibility map and hint bits set, as a settled production table has.
  await query(ownerUrl, `VACUUM (ANALYZE) ${benchTable}`);
}

export function runSnapshotChild(
  env: BenchEnv,
  database: string,
  slot: string,
  prefix: string,
): SnapshotChildResult {
  const input: SnapshotChildInput = {
    coreUrl: withDatabase(env.readerUrl, database),
    slot,
    publication,
    prefix,
    brokers: env.brokers,
    registryUrl: env.registryUrl,
  };
  return runToCompletion<SnapshotChildResult>('bench/snapshot/child.ts', 'BENCH_SNAPSHOT', input);
}

/** Seconds psql needs to stream the whole table out with COPY, into /dev/null. */
export function copyOut(url: string, table: string, timeoutMs = 30 * 60 * 1000): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      'psql',
      ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', `\\copy (SELECT * FROM ${table}) TO '/dev/null'`],
      {
        env: { ...process.env, ...libpqEnvironment(url) },
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: timeoutMs,
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0
        ? resolve((performance.now() - started) / 1000)
        : reject(new Error(`psql \\copy: ${signal ?? code} ${stderr}`)),
    );
  });
}
