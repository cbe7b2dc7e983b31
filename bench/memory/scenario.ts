/**
 * `npm run bench -- memory`: the peak RSS of the reader and the raw sink, each compiled and heap-capped in a
 * process of its own as production runs them, under
 * 1. one transaction of --tx-rows rows (the reader streams it from a slot made just before; the sink lands the
 *    resulting topic in a fresh analytics database), and
 * 2. the initial snapshot of a table of --snapshot-rows rows (the reader creates its slot and copies the table;
 *    the sink lands that topic).
 * The peak is the process's maximum resident set (getrusage), worker threads included.
 */
import os from 'node:os';
import { topicOf } from '../../connectors/catalogue.ts';
import { createSnapshotSource, publication, runSnapshotChild } from '../snapshot/source.ts';
import { createAnalyticsDatabase, createRawTable } from '../support/analytics.ts';
import { runToCompletion } from '../support/children.ts';
import { benchNodeFlags } from '../support/compiled.ts';
import { benchConnector, benchTable, createCoreDatabase, dropCoreDatabase } from '../support/core-table.ts';
import type { BenchEnv } from '../support/env.ts';
import { benchKafka, removeKafkaArtefacts, topicEnds } from '../support/kafka.ts';
import { runSuffix } from '../support/names.ts';
import { currentLsn, dropDatabase, query, withDatabase } from '../support/postgres.ts';

export interface MemoryBenchOptions {
  transactionRows: number;
  snapshotRows: number;
}

interface ChildResult {
  seconds: number;
  maxRssBytes: number;
}

const progress = (message: string) => process.stderr.write(`bench memory: ${message}\n`);
const megabytes = (bytes: number) => bytes / 1024 / 1024;

/**
 * Lands `topic` (which holds `rows` changes, plus one snapshot end per partition after a snapshot) in a fresh
 * analytics database; returns the sink's figures.
 */
async function sinkPeak(env: BenchEnv, database: string, prefix: string, rows: number, snapshot: boolean) {
  const topic = topicOf(benchConnector, prefix);
  const admin = benchKafka(env.brokers).admin();
  await admin.connect();
  const { ends, total } = await topicEnds(admin, topic).finally(() => admin.disconnect());
  const expected = rows + (snapshot ? Object.keys(ends).length : 0);
  if (total !== expected) throw new Error(`${topic} holds ${total} messages, expected ${expected}`);
  const analyticsUrl = await createAnalyticsDatabase(env.ownerUrl, env.analyticsUrl, database);
  await createRawTable(analyticsUrl, env.registryUrl, benchConnector, topic);
  progress(`raw sink landing ${topic}`);
  const sink = runToCompletion<ChildResult>('bench/sink/child.ts', 'BENCH_SINK', {
    analyticsUrl,
    brokers: env.brokers,
    registryUrl: env.registryUrl,
    prefix,
    groupId: prefix,
    topic,
    ends,
    timeoutMs: 30 * 60 * 1000,
  });
  return {
    seconds: sink.seconds,
    rowsPerSecond: rows / sink.seconds,
    peakRssMb: megabytes(sink.maxRssBytes),
  };
}

async function largeTransaction(env: BenchEnv, suffix: string, rows: number) {
  const database = `bench_memory_tx_${suffix}`;
  const analytics = `bench_memory_tx_raw_${suffix}`;
  const slot = `bench_memory_tx_${suffix}`;
  const prefix = `benchmemtx${suffix}`;
  const ownerUrl = withDatabase(env.ownerUrl, database);
  try {
    await createCoreDatabase(env.ownerUrl, env.readerUrl, database, publication, slot);
    progress(`one transaction of ${rows} rows`);
    await query(ownerUrl, 'CALL bench_fill($1, $2)', [rows, rows]);
    progress('replication reader streaming it');
    const reader = runToCompletion<ChildResult>('bench/reader/child.ts', 'BENCH_READER', {
      coreUrl: withDatabase(env.readerUrl, database),
      ownerUrl,
      slot,
      publication,
      table: benchTable,
      prefix,
      endLsn: await currentLsn(ownerUrl),
      brokers: env.brokers,
      registryUrl: env.registryUrl,
    });
    const sink = await sinkPeak(env, analytics, prefix, rows, false);
    return {
      rows,
      reader: {
        seconds: reader.seconds,
        rowsPerSecond: rows / reader.seconds,
        peakRssMb: megabytes(reader.maxRssBytes),
      },
      sink,
    };
  } finally {
    await dropCoreDatabase(env.ownerUrl, env.readerUrl, database, slot);
    await dropDatabase(env.ownerUrl, analytics);
    await removeKafkaArtefacts(
      env.brokers,
      env.registryUrl,
      prefix,
      [prefix],
      [topicOf(benchConnector, prefix)],
    ).catch((error: unknown) => progress(`could not remove the Kafka topics or group: ${String(error)}`));
  }
}

async function largeSnapshot(env: BenchEnv, suffix: string, rows: number) {
  const database = `bench_memory_snap_${suffix}`;
  const analytics = `bench_memory_snap_raw_${suffix}`;
  const slot = `bench_memory_snap_${suffix}`;
  const prefix = `benchmemsnap${suffix}`;
  try {
    progress(`filling a table of ${rows} rows`);
    await createSnapshotSource(env, database, slot, rows);
    progress('replication reader snapshotting it');
    const reader = runSnapshotChild(env, database, slot, prefix);
    const sink = await sinkPeak(env, analytics, prefix, rows, true);
    return {
      rows,
      reader: {
        seconds: reader.seconds,
        rowsPerSecond: rows / reader.seconds,
        peakRssMb: megabytes(reader.maxRssBytes),
      },
      sink,
    };
  } finally {
    await dropCoreDatabase(env.ownerUrl, env.readerUrl, database, slot);
    await dropDatabase(env.ownerUrl, analytics);
    await removeKafkaArtefacts(
      env.brokers,
      env.registryUrl,
      prefix,
      [prefix],
      [topicOf(benchConnector, prefix)],
    ).catch((error: unknown) => progress(`could not remove the Kafka topics or group: ${String(error)}`));
  }
}

export async function runMemoryBench(env: BenchEnv, options: MemoryBenchOptions) {
  const suffix = runSuffix();
  // One after the other, each cleaning up before the next: the disk holds one workload at a time.
  const transaction = await largeTransaction(env, suffix, options.transactionRows);
  const snapshot = await largeSnapshot(env, suffix, options.snapshotRows);
  return {
    scenario: 'memory',
    machine: { cpus: os.cpus().length, memoryMb: os.totalmem() / 1024 / 1024 },
    nodeFlags: benchNodeFlags().join(' '),
    largeTransaction: transaction,
    snapshot,
  };
}
