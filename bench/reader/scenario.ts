/**
 * `npm run bench -- reader`: the reader's decoding-to-Kafka throughput next to pg_recvlogical decoding the
 * same WAL with pgoutput (the decoding limit), in the same run on the same machine, and the reader's peak
 * memory while it streams one very large transaction.
 */
import { spawn } from 'node:child_process';
import pg from 'pg';
import { defineConnector } from '../../connectors/define.ts';
import { syncPublication } from '../../lib/source/publication.ts';
import { runToCompletion } from '../support/children.ts';
import { benchNodeFlags } from '../support/compiled.ts';
import type { BenchEnv } from '../support/env.ts';
import { removeKafkaArtefacts } from '../support/kafka.ts';
import { currentLsn, dropDatabase, query, withDatabase } from '../support/postgres.ts';

export interface ReaderBenchOptions {
  transactions: number;
  rowsPerTransaction: number;
  largeTransactionRows: number;
}

type Env = Omit<BenchEnv, 'analyticsUrl'>;

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
  return runToCompletion<ChildResult>('bench/reader/child.ts', 'BENCH_READER', input);
}

export async function runReaderBench(env: Env, options: ReaderBenchOptions) {
  const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  const database = `bench_reader_${suffix}`;
  const prefix = `bench${suffix}`;
  const publication = 'bench_publication';
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
        nodeFlags: benchNodeFlags().join(' '),
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
    await dropDatabase(env.ownerUrl, database);
    // Both runs' topics (`<prefix>.…` and `<prefix>large.…`) and the subjects the reader registered for them.
    for (const topicPrefix of [prefix, `${prefix}large`]) {
      await removeKafkaArtefacts(
        env.brokers,
        env.registryUrl,
        topicPrefix,
        [],
        [`${topicPrefix}.public.${table}`],
      ).catch(() => undefined);
    }
  }
}
