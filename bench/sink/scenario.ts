/**
 * `npm run bench -- sink`: how fast the raw sink lands a pre-filled topic in analytics_raw, next to a plain COPY
 * of the same rows into the same table shape, in the same run on the same machine.
 *
 * 1. The topic is filled by the real reader over a bulk insert (transactions of --tx-rows rows), so the
 *    messages are exactly what production sees; the run waits until the slot is confirmed past the insert
 *    (every message acknowledged by Kafka) and checks the topic holds one message per row.
 * 2. A fresh sink (new consumer group, empty raw table) runs in its own compiled, heap-capped process from
 *    start() until its stored cursor equals the topic's end offsets: the insert pass.
 * 3. The rows it wrote are copied out and loaded with COPY into a twin table: the baseline.
 * 4. Every row is updated at the source, streamed the same way, and the same sink group consumes on: the
 *    upsert pass, where every change meets an existing key.
 */
import os from 'node:os';
import { topicOf } from '../../connectors/catalogue.ts';
import { createAnalyticsDatabase, createRawTable } from '../support/analytics.ts';
import { runToCompletion } from '../support/children.ts';
import { benchNodeFlags } from '../support/compiled.ts';
import { benchConnector, benchTable, createCoreDatabase, dropCoreDatabase } from '../support/core-table.ts';
import type { BenchEnv } from '../support/env.ts';
import { benchKafka, removeKafkaArtefacts, topicEnds } from '../support/kafka.ts';
import { runSuffix } from '../support/names.ts';
import { currentLsn, dropDatabase, query, withDatabase } from '../support/postgres.ts';
import { copyBaseline } from './copy-baseline.ts';

export interface SinkBenchOptions {
  rows: number;
  rowsPerTransaction: number;
}

interface ReaderChildResult {
  seconds: number;
  events: number;
  maxRssBytes: number;
}

interface SinkChildResult {
  seconds: number;
  firstBatchSeconds: number | undefined;
  firstBatchRows: number;
  applyingSeconds: number | undefined;
  rows: number;
  batches: number;
  maxRssBytes: number;
}

const progress = (message: string) => process.stderr.write(`bench sink: ${message}\n`);

function sinkPass(result: SinkChildResult, rows: number) {
  return {
    seconds: result.seconds,
    rows: result.rows,
    rowsPerSecond: rows / result.seconds,
    // From the first committed batch to caught up: the rate once the group is joined and the tables loaded.
    firstBatchSeconds: result.firstBatchSeconds,
    applyingRowsPerSecond:
      result.applyingSeconds && result.applyingSeconds > 0
        ? (result.rows - result.firstBatchRows) / result.applyingSeconds
        : undefined,
    batches: result.batches,
    rowsPerBatch: result.batches > 0 ? result.rows / result.batches : 0,
    peakRssMb: result.maxRssBytes / 1024 / 1024,
  };
}

export async function runSinkBench(env: BenchEnv, options: SinkBenchOptions) {
  const suffix = runSuffix();
  const coreDatabase = `bench_sink_${suffix}`;
  const analyticsDatabase = `bench_sink_raw_${suffix}`;
  const slot = `bench_sink_${suffix}`;
  const publication = 'bench_publication';
  const prefix = `benchsink${suffix}`;
  const groupId = `bench-sink-${suffix}`;
  const topic = topicOf(benchConnector, prefix);
  const ownerUrl = withDatabase(env.ownerUrl, coreDatabase);
  const admin = benchKafka(env.brokers).admin();
  let adminConnected = false;
  const { rows, rowsPerTransaction } = options;

  /** Streams everything written so far through the reader (its own process) and returns the topic's ends. */
  const stream = async (what: string) => {
    const endLsn = await currentLsn(ownerUrl);
    progress(`streaming ${what} through the replication reader to ${topic}`);
    const reader = runToCompletion<ReaderChildResult>('bench/reader/child.ts', 'BENCH_READER', {
      coreUrl: withDatabase(env.readerUrl, coreDatabase),
      ownerUrl,
      slot,
      publication,
      table: benchTable,
      prefix,
      endLsn,
      brokers: env.brokers,
      registryUrl: env.registryUrl,
    });
    return { reader, ...(await topicEnds(admin, topic)) };
  };
  const runSink = (ends: Record<number, string>, what: string) => {
    progress(`${what}: raw sink (consumer group ${groupId}) until its cursor reaches the topic end`);
    return runToCompletion<SinkChildResult>('bench/sink/child.ts', 'BENCH_SINK', {
      analyticsUrl,
      brokers: env.brokers,
      registryUrl: env.registryUrl,
      prefix,
      groupId,
      topic,
      ends,
      timeoutMs: 20 * 60 * 1000,
    });
  };
  let analyticsUrl = '';

  try {
    await createCoreDatabase(env.ownerUrl, env.readerUrl, coreDatabase, publication, slot);
    await admin.connect();
    adminConnected = true;
    progress(`inserting ${rows} rows in transactions of ${rowsPerTransaction}`);
    await query(ownerUrl, 'CALL bench_fill($1, $2)', [rows, rowsPerTransaction]);
    const filled = await stream('the inserts');
    if (filled.total !== rows) throw new Error(`${topic} holds ${filled.total} messages, expected ${rows}`);

    analyticsUrl = await createAnalyticsDatabase(env.ownerUrl, env.analyticsUrl, analyticsDatabase);
    const columns = await createRawTable(analyticsUrl, env.registryUrl, benchConnector, topic);
    const inserts = runSink(filled.ends, 'insert pass');
    const landed = await query<{ rows: string }>(
      analyticsUrl,
      `SELECT count(*)::text AS rows FROM analytics_raw.${benchTable} WHERE _op = 'c'`,
    );
    if (Number(landed[0]?.rows) !== rows)
      throw new Error(`raw holds ${landed[0]?.rows} inserted rows, not ${rows}`);

    progress('baseline: COPY of the same rows into a twin of the raw table');
    const copy = await copyBaseline(analyticsUrl, benchTable);

    progress(`updating every row at the source, ${rowsPerTransaction} per transaction`);
    await query(ownerUrl, 'CALL bench_touch($1, $2)', [rows, rowsPerTransaction]);
    const touched = await stream('the updates');
    if (touched.total !== 2 * rows) {
      throw new Error(`${topic} holds ${touched.total} messages, expected ${2 * rows}`);
    }
    const updates = runSink(touched.ends, 'upsert pass');
    const updated = await query<{ rows: string }>(
      analyticsUrl,
      `SELECT count(*)::text AS rows FROM analytics_raw.${benchTable} WHERE _op = 'u'`,
    );
    if (Number(updated[0]?.rows) !== rows)
      throw new Error(`raw holds ${updated[0]?.rows} updated rows, not ${rows}`);

    const sink = sinkPass(inserts, rows);
    return {
      scenario: 'sink',
      machine: { cpus: os.cpus().length },
      workload: {
        rows,
        rowsPerTransaction,
        table: benchTable,
        columns: columns.length,
        partitions: Object.keys(filled.ends).length,
      },
      nodeFlags: benchNodeFlags().join(' '),
      prefill: {
        readerSeconds: filled.reader.seconds,
        readerRowsPerSecond: rows / filled.reader.seconds,
      },
      sink,
      copy: { ...copy, rowsPerSecond: copy.rows / copy.seconds },
      ratio: sink.rowsPerSecond / (copy.rows / copy.seconds),
      upsertPass: sinkPass(updates, rows),
      goal: { rowsPerSecond: 50_000, met: sink.rowsPerSecond >= 50_000 },
    };
  } finally {
    if (adminConnected) await admin.disconnect().catch(() => undefined);
    await dropCoreDatabase(env.ownerUrl, env.readerUrl, coreDatabase, slot);
    await dropDatabase(env.ownerUrl, analyticsDatabase);
    await removeKafkaArtefacts(env.brokers, env.registryUrl, prefix, [groupId], [topic]).catch(
      (error: unknown) => progress(`could not remove the Kafka topics or group: ${String(error)}`),
    );
  }
}
