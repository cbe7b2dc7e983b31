/**
 * `npm run bench -- reader`: the reader's decoding-to-Kafka throughput next to pg_recvlogical decoding the
 * same WAL with pgoutput (the decoding limit), in the same run on the same machine, and the reader's peak
 * memory while it streams one very large transaction.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { defineConnector } from '../../connectors/define.ts';
import { syncPublication } from '../../lib/source/publication.ts';
import { repoRoot } from '../../scripts/stack/topology.ts';

export interface ReaderBenchOptions {
  transactions: number;
  rowsPerTransaction: number;
  largeTransactionRows: number;
}

interface Env {
  ownerUrl: string;
  readerUrl: string;
  brokers: string[];
  registryUrl: string;
}

const table = 'bench_events';
const ddl = `
  CREATE TABLE ${table} (
    id bigserial PRIMARY KEY,
    mission_id bigint NOT NULL,
    kind text NOT NULL,
    source text NOT NULL,
    amount numeric(12,2),
    created_at timestamptz NOT NULL DEFAULT now(),
    payload jsonb
  );
  GRANT SELECT ON ${table} TO cdc_reader;
  CREATE PROCEDURE bench_generate(transactions int, rows_per_transaction int) LANGUAGE plpgsql AS $$
  BEGIN
    FOR t IN 1..transactions LOOP
      INSERT INTO ${table} (mission_id, kind, source, amount, payload)
      SELECT (t * 7 + r) % 5000, (ARRAY['print','click','apply','account'])[1 + (t + r) % 4], 'widget',
             ((t + r) % 10000) / 100.0, jsonb_build_object('tx', t, 'row', r)
      FROM generate_series(1, rows_per_transaction) AS r;
      COMMIT;
    END LOOP;
  END $$;`;

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

async function currentLsn(url: string): Promise<string> {
  return (await query<{ lsn: string }>(url, 'SELECT pg_current_wal_lsn()::text AS lsn'))[0]?.lsn ?? '0/0';
}

function timed<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = performance.now();
  return work().then((result) => ({ result, seconds: (performance.now() - started) / 1000 }));
}

/** pg_recvlogical from a slot to /dev/null until endpos: the time PostgreSQL needs to decode and send it. */
function recvlogical(url: string, slot: string, publication: string, endLsn: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      'pg_recvlogical',
      [
        '-d',
        url,
        '--slot',
        slot,
        '--start',
        '--no-loop',
        '-o',
        'proto_version=1',
        '-o',
        `publication_names=${publication}`,
        '--endpos',
        endLsn,
        '-f',
        '/dev/null',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve((performance.now() - started) / 1000)
        : reject(new Error(`pg_recvlogical: ${stderr}`)),
    );
  });
}

/**
 * The reader runs as production runs it: compiled JavaScript (`npm run build`, no tsx loader in the process)
 * with a heap cap, which keeps V8 from growing the heap just because the machine has memory to spare.
 * BENCH_NODE_FLAGS replaces the flags (e.g. "--max-old-space-size=160 --cpu-prof --cpu-prof-dir=/tmp/prof").
 */
export const defaultReaderNodeFlags = '--max-old-space-size=160';

function readerNodeFlags(): string[] {
  return (process.env.BENCH_NODE_FLAGS ?? defaultReaderNodeFlags).split(' ').filter(Boolean);
}

let compiled: string | undefined;

/** Compiles the project once per bench run (a few seconds) and returns the reader child's script. */
function compiledChild(): string {
  if (!compiled) {
    const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const build = spawnSync(process.execPath, [tsc, '-p', path.join(repoRoot, 'tsconfig.build.json')], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
    compiled = path.join(repoRoot, 'dist', 'bench', 'reader', 'child.js');
  }
  return compiled;
}

interface ChildResult {
  seconds: number;
  events: number;
  maxRssBytes: number;
}

function readerChild(
  env: Env,
  database: string,
  slot: string,
  publication: string,
  endLsn: string,
  prefix: string,
) {
  const input = {
    coreUrl: withDatabase(env.readerUrl, database),
    ownerUrl: withDatabase(env.ownerUrl, database),
    slot,
    publication,
    table,
    prefix,
    endLsn,
    brokers: env.brokers,
    registryUrl: env.registryUrl,
  };
  const result = spawnSync(process.execPath, [...readerNodeFlags(), compiledChild()], {
    env: { ...process.env, BENCH_READER: JSON.stringify(input) },
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    timeout: 30 * 60 * 1000,
  });
  if (result.status !== 0) throw new Error(`bench reader failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as ChildResult;
}

export async function runReaderBench(env: Env, options: ReaderBenchOptions) {
  const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  const database = `bench_reader_${suffix}`;
  const prefix = `bench${suffix}`;
  const publication = 'bench_publication';
  const admin = new Kafka({ clientId: 'bench', brokers: env.brokers, logLevel: logLevel.NOTHING }).admin();
  await query(env.ownerUrl, `CREATE DATABASE ${database}`);
  const ownerUrl = withDatabase(env.ownerUrl, database);
  const readerUrl = withDatabase(env.readerUrl, database);
  try {
    await query(ownerUrl, ddl);
    const owner = new pg.Client({ connectionString: ownerUrl });
    await owner.connect();
    await syncPublication(owner, {
      publication,
      connectors: [
        defineConnector({ name: table, source: { schema: 'public', table }, destination: { table } }),
      ],
    });
    await owner.end();
    // Both slots start at the same point, so both decode exactly the same WAL.
    for (const slot of ['bench_ours', 'bench_recvlogical', 'bench_large']) {
      await query(readerUrl, `SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
    }
    const rows = options.transactions * options.rowsPerTransaction;
    process.stderr.write(
      `bench reader: writing ${options.transactions} transactions of ${options.rowsPerTransaction} rows\n`,
    );
    const generation = await timed(() =>
      query(ownerUrl, 'CALL bench_generate($1, $2)', [options.transactions, options.rowsPerTransaction]),
    );
    const endLsn = await currentLsn(ownerUrl);
    process.stderr.write('bench reader: pg_recvlogical\n');
    const baselineSeconds = await recvlogical(readerUrl, 'bench_recvlogical', publication, endLsn);
    process.stderr.write('bench reader: replication reader\n');
    const ours = readerChild(env, database, 'bench_ours', publication, endLsn, prefix);

    // Memory: one transaction of many rows, streamed from a slot that starts just before it.
    await query(readerUrl, `SELECT pg_drop_replication_slot('bench_large')`);
    await query(readerUrl, `SELECT pg_create_logical_replication_slot('bench_large', 'pgoutput')`);
    process.stderr.write(`bench reader: one transaction of ${options.largeTransactionRows} rows\n`);
    await query(ownerUrl, 'CALL bench_generate(1, $1)', [options.largeTransactionRows]);
    const largeEnd = await currentLsn(ownerUrl);
    const large = readerChild(env, database, 'bench_large', publication, largeEnd, `${prefix}large`);

    return {
      scenario: 'reader',
      machine: { cpus: (await import('node:os')).cpus().length },
      workload: { ...options, rows, generationSeconds: generation.seconds },
      pgRecvlogical: { seconds: baselineSeconds, rowsPerSecond: rows / baselineSeconds },
      reader: {
        kafkaClient: process.env.BENCH_KAFKA_CLIENT ?? 'platformatic',
        nodeFlags: readerNodeFlags().join(' '),
        seconds: ours.seconds,
        events: ours.events,
        rowsPerSecond: rows / ours.seconds,
        peakRssMb: ours.maxRssBytes / 1024 / 1024,
      },
      ratio: baselineSeconds / ours.seconds,
      largeTransaction: {
        rows: options.largeTransactionRows,
        events: large.events,
        seconds: large.seconds,
        rowsPerSecond: options.largeTransactionRows / large.seconds,
        peakRssMb: large.maxRssBytes / 1024 / 1024,
      },
    };
  } finally {
    for (const slot of ['bench_ours', 'bench_recvlogical', 'bench_large']) {
      await query(readerUrl, 'SELECT pg_drop_replication_slot($1)', [slot]).catch(() => undefined);
    }
    await query(env.ownerUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  }
}
